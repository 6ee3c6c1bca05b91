#pragma once

#include "core/base/detail/tick.hpp"
