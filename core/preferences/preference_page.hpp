#pragma once

// The system preference center's HTML: one small self-contained page per state. No external
// assets and no script, so it works in any browser, with JavaScript off, and under a
// Content-Security-Policy that allows nothing but its own inline style.

#include <string>
#include <string_view>

namespace mailgate::core::preferences {

enum class page_state {
    confirm,      ///< asks to confirm the opt-out
    unsubscribed, ///< the opt-out is recorded; offers to undo it
    resubscribed, ///< the opt-out is undone; offers to opt out again
    invalid,      ///< the link is not one this gateway made
};

/// The whole document. `email` is shown escaped; empty for `invalid`.
std::string render_page(page_state state, std::string_view email);

/// The Content-Security-Policy every page is served with.
const std::string& page_security_policy();

} // namespace mailgate::core::preferences
