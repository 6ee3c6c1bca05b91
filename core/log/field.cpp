#include "core/log/field.hpp"

namespace mailgate::core::log {
namespace {

thread_local std::span<const field> current;

} // namespace

std::span<const field> attached_fields()
{
    return current;
}

fields_scope::fields_scope(std::span<const field> fields) : previous_(current)
{
    current = fields;
}

fields_scope::~fields_scope()
{
    current = previous_;
}

} // namespace mailgate::core::log
