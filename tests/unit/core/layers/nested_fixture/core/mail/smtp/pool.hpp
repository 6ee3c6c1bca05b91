#pragma once

#include "core/mail/mime/part.hpp"
