#pragma once

#include "core/base/clock.hpp"
