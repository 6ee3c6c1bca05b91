/* The ABI 1.0 layout, frozen: a change to any of these numbers within major version 1 breaks
 * every driver already built. Values for x86_64 (LP64). */
#include <mailgate/sdk/abi.h>

#include <stdio.h>

#if defined(__x86_64__)
_Static_assert(sizeof(mg_str) == 16, "mg_str");
_Static_assert(sizeof(mg_header) == 32, "mg_header");
_Static_assert(sizeof(mg_option) == 40, "mg_option");
_Static_assert(offsetof(mg_option, description) == 32, "mg_option.description");
_Static_assert(offsetof(mg_event, reason) == 104, "mg_event.reason (1.2)");
_Static_assert(offsetof(mg_event, smtp_code) == 152, "mg_event.smtp_code (1.2)");
_Static_assert(sizeof(mg_event) == 160, "mg_event");
_Static_assert(offsetof(mg_event, occurred_at) == 16, "mg_event.occurred_at");
_Static_assert(offsetof(mg_event, detail_json) == 88, "mg_event.detail_json");
_Static_assert(sizeof(mg_rejected_item) == 40, "mg_rejected_item");
_Static_assert(sizeof(mg_http_request) == 88, "mg_http_request");
_Static_assert(offsetof(mg_http_request, body) == 72, "mg_http_request.body");
_Static_assert(sizeof(mg_outbound_message) == 104, "mg_outbound_message");
_Static_assert(sizeof(mg_host_api) == 88, "mg_host_api");
_Static_assert(offsetof(mg_host_api, verify_meta) == 80, "mg_host_api.verify_meta (1.1)");
_Static_assert(offsetof(mg_host_api, log) == 8, "mg_host_api.log");
_Static_assert(offsetof(mg_host_api, add_header) == 72, "mg_host_api.add_header");
_Static_assert(sizeof(mg_driver) == 88, "mg_driver");
_Static_assert(offsetof(mg_driver, id) == 8, "mg_driver.id");
_Static_assert(offsetof(mg_driver, create) == 56, "mg_driver.create");
_Static_assert(offsetof(mg_driver, parse_callback) == 80, "mg_driver.parse_callback");
#endif

/* The head every major version keeps: any host can read a driver's version. */
_Static_assert(offsetof(mg_driver, struct_size) == 0, "mg_driver head");
_Static_assert(offsetof(mg_driver, abi_major) == 4, "mg_driver head");
_Static_assert(offsetof(mg_driver, abi_minor) == 6, "mg_driver head");
_Static_assert(sizeof(mg_status) == 4, "mg_status is 32 bits");

static int check(int ok, const char* what)
{
    printf("%s: %s\n", ok ? "ok" : "FAILED", what);
    return ok ? 0 : 1;
}

int main(void)
{
    /* A 1.0 driver seen by a later host: fields past its struct_size must read as absent. */
    mg_driver small = {0};
    small.struct_size = (uint32_t)offsetof(mg_driver, decorate);
    int failures = 0;
    failures += check(MG_HAS_FIELD(&small, mg_driver, destroy), "field inside struct_size");
    failures += check(!MG_HAS_FIELD(&small, mg_driver, decorate), "field past struct_size");
    failures += check(!MG_HAS_FIELD(&small, mg_driver, parse_callback), "last field absent");
    printf("%d passed, %d failed\n", 3 - failures, failures);
    return failures;
}
