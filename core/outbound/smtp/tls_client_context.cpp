#include "core/outbound/smtp/tls_client_context.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <stdexcept>

namespace mailgate::core::outbound::smtp {

namespace asio = boost::asio;

asio::ssl::context make_tls_client_context(const smtp_client_settings& settings)
{
    asio::ssl::context context(asio::ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_2_VERSION);
    if (!settings.verify_tls) {
        context.set_verify_mode(asio::ssl::verify_none);
        return context;
    }
    context.set_verify_mode(asio::ssl::verify_peer);
    boost::system::error_code ec;
    if (settings.ca_file.empty()) {
        context.set_default_verify_paths(ec);
    } else {
        context.load_verify_file(settings.ca_file, ec);
    }
    if (ec) {
        throw std::runtime_error("cannot load the CA certificates " +
                                 (settings.ca_file.empty() ? "of the system" : settings.ca_file) +
                                 ": " + ec.message());
    }
    return context;
}

void prepare_tls_client(asio::ssl::stream<asio::ip::tcp::socket&>& stream, const std::string& host,
                        bool verify)
{
    boost::system::error_code not_an_address;
    asio::ip::make_address(host, not_an_address);
    if (not_an_address) {
        SSL_set_tlsext_host_name(stream.native_handle(), host.c_str());
    }
    if (!verify) {
        return;
    }
    // host_name_verification fails a mismatch without saying so; recording the reason lets
    // the handshake error name it.
    stream.set_verify_callback([check = asio::ssl::host_name_verification(host)](
                                   bool preverified, asio::ssl::verify_context& ctx) {
        if (check(preverified, ctx)) {
            return true;
        }
        if (preverified) {
            X509_STORE_CTX_set_error(ctx.native_handle(), X509_V_ERR_HOSTNAME_MISMATCH);
        }
        return false;
    });
}

std::string describe_tls_failure(asio::ssl::stream<asio::ip::tcp::socket&>& stream,
                                 const boost::system::error_code& ec)
{
    // Without verification OpenSSL still records a chain's problems, which then are not why
    // the handshake failed.
    const auto* ssl = stream.native_handle();
    const long verify_result = SSL_get_verify_result(ssl);
    if (SSL_get_verify_mode(ssl) != SSL_VERIFY_NONE && verify_result != X509_V_OK) {
        return std::string("certificate verify failed: ") +
               X509_verify_cert_error_string(verify_result);
    }
    return "TLS handshake failed: " + ec.message();
}

} // namespace mailgate::core::outbound::smtp
