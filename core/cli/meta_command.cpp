#include "core/cli/command_options.hpp"

#include "core/cli/gateway_setup.hpp"

#include <iostream>

namespace mailgate::core::cli {

// Mints the token the gateway would put on a message, with the configured attribution key:
// what an integrator needs to try their callback glue before sending real mail.
int run_meta(const command_options& options)
{
    if (!options.email) {
        std::cerr << "usage: mailgate meta --email ADDRESS [--message ID] [--campaign ID] "
                     "[--profile ID]\n";
        return 2;
    }
    gateway gw = open_gateway(options, false);
    if (!gw.meta_codec) {
        std::cerr << "mailgate: no attribution.key in " << options.config_file.string() << "\n";
        return 1;
    }
    attribution::meta_fields fields{options.message_id.value_or(""),
                                    options.campaign_id.value_or(""), options.profile.value_or(""),
                                    ""};
    try {
        std::cout << gw.meta_codec->encode(fields, *options.email) << "\n";
    } catch (const std::invalid_argument& e) {
        std::cerr << "mailgate: " << e.what() << "\n";
        return 1;
    }
    return 0;
}

} // namespace mailgate::core::cli
