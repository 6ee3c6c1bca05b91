/*
 * mailgate driver ABI: the only thing that crosses a driver's .so boundary.
 *
 * Pure C (C11). A driver exports exactly one symbol, mg_driver_entry, which returns a static
 * descriptor (mg_driver). Everything else is reached through function pointers in that
 * descriptor (driver -> host calls) and in the host's table (mg_host_api, host <- driver calls).
 *
 * Rules that hold for every type below:
 * - Every struct that may grow starts with `struct_size` and only ever grows at its end. Read a
 *   field added after x.0 only after MG_HAS_FIELD says the other side's struct has it.
 * - No exception, C++ type, allocator or logger crosses. Whoever allocates frees.
 * - Data handed into a call (mg_str, arrays, structs) is BORROWED for that call only: the
 *   receiver copies what it keeps. Descriptor data (mg_driver, mg_option) is STATIC: it lives
 *   as long as the library is loaded.
 * - Handles (mg_instance, mg_host_ctx, mg_config, mg_callback_sink, mg_header_sink) are opaque;
 *   the type comment says which side owns each.
 */
#ifndef MAILGATE_SDK_ABI_H
#define MAILGATE_SDK_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Major: any breaking change. Minor: additions at struct ends, new enum values. The host loads a
 * driver when the majors are equal and the driver's minor is not newer than the host's. */
#define MG_ABI_VERSION_MAJOR 1
#define MG_ABI_VERSION_MINOR 2

/* True when the struct at `ptr` (whose first field is struct_size) is large enough to hold
 * `field`: the way to read anything added in a later minor version. */
#define MG_HAS_FIELD(ptr, type, field)                                                             \
    ((ptr)->struct_size >= offsetof(type, field) + sizeof(((type*)0)->field))

/* ---------------------------------------------------------------------------------------------
 * Status codes. Fixed width; new values may appear in a minor version, and a receiver treats an
 * unknown value as MG_INTERNAL_ERROR.
 */
typedef int32_t mg_status;

#define MG_OK 0
/* The callback body cannot be read or is not in the driver's format: HTTP 400. */
#define MG_BAD_REQUEST 1
/* The callback's signature or token failed verification: HTTP 401, nothing is stored. */
#define MG_UNAUTHORIZED 2
/* The callback holds more items than the format allows: HTTP 400. */
#define MG_TOO_MANY_EVENTS 3
/* create(): an option value is unusable (the driver names it through config_error). */
#define MG_INVALID_CONFIG 4
/* A failure of the driver itself: HTTP 500, nothing from the call is stored. */
#define MG_INTERNAL_ERROR 5
/* A config getter was asked for an option that has no value. */
#define MG_NOT_FOUND 6
/* The request's method or content type is not one this driver accepts: HTTP 405/415. */
#define MG_UNSUPPORTED 7

/* ---------------------------------------------------------------------------------------------
 * Plain data.
 */

/* A borrowed byte string, not NUL-terminated. `ptr` may be NULL when `len` is 0.
 * OWNERSHIP: the side that passes it. LIFETIME: the call it is passed in. */
typedef struct mg_str {
    const char* ptr;
    size_t len;
} mg_str;

/* One HTTP header field. Frozen layout (elements of an array, no struct_size). */
typedef struct mg_header {
    mg_str name;
    mg_str value;
} mg_header;

/* Log levels for mg_host_api.log. */
#define MG_LOG_DEBUG 0
#define MG_LOG_INFO 1
#define MG_LOG_WARN 2
#define MG_LOG_ERROR 3

/* ---------------------------------------------------------------------------------------------
 * Opaque handles.
 */

/* A configured provider's driver state. OWNERSHIP: the driver; created by create(), freed by
 * destroy(). LIFETIME: the host destroys it only after every call on it has returned. */
typedef struct mg_instance mg_instance;

/* The host's context for one instance, for log(). OWNERSHIP: the host. LIFETIME: from create()
 * until destroy() of the instance it was given with. */
typedef struct mg_host_ctx mg_host_ctx;

/* A provider's validated options. OWNERSHIP: the host. LIFETIME: the create() call only. */
typedef struct mg_config mg_config;

/* Receives what parse_callback() finds. OWNERSHIP: the host. LIFETIME: that call only. */
typedef struct mg_callback_sink mg_callback_sink;

/* Receives the headers decorate() adds. OWNERSHIP: the host. LIFETIME: that call only. */
typedef struct mg_header_sink mg_header_sink;

/* ---------------------------------------------------------------------------------------------
 * The option table: what a provider's YAML may set for this driver. The host validates the YAML
 * against it (unknown key, missing required key, wrong type), applies defaults, and renders it
 * in `mailgate plugins`.
 */
#define MG_OPTION_STRING 0
#define MG_OPTION_INT 1
#define MG_OPTION_BOOL 2

/* The option must be given (and has no default). */
#define MG_OPTION_REQUIRED (1u << 0)
/* The value is a credential: the host resolves env:/file:/enc: forms and never logs or
 * shows it. */
#define MG_OPTION_SECRET (1u << 1)

/* STATIC descriptor data. Elements of mg_driver.options: the host steps through that array by
 * each element's struct_size, so an element may grow in a later minor version. */
typedef struct mg_option {
    uint32_t struct_size;
    int32_t type;              /* MG_OPTION_* */
    uint32_t flags;            /* MG_OPTION_REQUIRED | MG_OPTION_SECRET */
    const char* name;          /* [a-z][a-z0-9_]*, NUL-terminated */
    const char* default_value; /* NUL-terminated text in the option's type, or NULL */
    const char* description;   /* one line, NUL-terminated */
} mg_option;

/* ---------------------------------------------------------------------------------------------
 * The event model (DESIGN.md, "The common event model").
 */
#define MG_EVENT_DELIVERED 1
#define MG_EVENT_DEFERRED 2
#define MG_EVENT_SOFT_BOUNCE 3
#define MG_EVENT_HARD_BOUNCE 4
#define MG_EVENT_DROPPED 5 /* refused by the ESP before sending */
#define MG_EVENT_SPAM 6
#define MG_EVENT_UNSUBSCRIBED 7
#define MG_EVENT_RESUBSCRIBED 8
#define MG_EVENT_OPENED 9
#define MG_EVENT_CLICKED 10
#define MG_EVENT_PROCESSED 11 /* accepted by the ESP for sending */
#define MG_EVENT_LIST_SYNC 12 /* the ESP's own allow/deny list changed */

/* The cause behind the event is permanent: a dropped address the ESP will never accept, or
 * (MG_EVENT_LIST_SYNC) an address the ESP put on its deny list for a hard bounce or a complaint.
 * The router suppresses on permanent drops and permanent deny-list additions only. */
#define MG_EVENT_FLAG_PERMANENT (1u << 0)

/* One provider event, handed to mg_host_api.emit_event. BORROWED for that call. */
typedef struct mg_event {
    uint32_t struct_size;
    int32_t kind;        /* MG_EVENT_* */
    uint32_t flags;      /* MG_EVENT_FLAG_* */
    int64_t occurred_at; /* Unix seconds; 0 when the provider did not say (the host uses now) */
    mg_str email;        /* the recipient as the provider sent it; the host normalises */
    mg_str meta;         /* the attribution token echoed by the provider, or empty */
    mg_str description;  /* human text / SMTP diagnostic, or empty */
    mg_str provider_event_id; /* the idempotency key, or empty (the host hashes the event) */
    mg_str detail_json;       /* a JSON object of provider-specific fields, or empty */

    /* ---- ABI 1.2: why, in the gateway's vocabulary (docs/events.md). The host reads these
     * only from a driver whose struct has them; for an older driver, and for an empty or
     * unknown reason, it derives the reason from the kind, the codes and the description. */
    mg_str reason;     /* a reason name ("userunknown", "mailboxfull", ...), or empty */
    mg_str status;     /* the enhanced status code ("5.1.1"), or empty */
    mg_str remote_mta; /* the receiving server the ESP talked to, as it names it, or empty */
    int32_t smtp_code; /* the SMTP reply code (550), or 0 */
} mg_event;

/* One item of a callback that the driver could not turn into an event. BORROWED for the call. */
typedef struct mg_rejected_item {
    uint32_t struct_size;
    mg_str item_json; /* the item as received, as JSON text, echoed in the response; or empty */
    mg_str reason;    /* why, e.g. "invalid meta"; becomes errorDescription */
} mg_rejected_item;

/* ---------------------------------------------------------------------------------------------
 * Requests and messages handed to a driver.
 */

/* An inbound callback request. BORROWED for the parse_callback call. */
typedef struct mg_http_request {
    uint32_t struct_size;
    mg_str method;            /* "POST", "HEAD", ... */
    mg_str public_url;        /* the provider's callback URL as configured publicly (signatures
                                 that cover the URL use this, since proxies rewrite hosts) */
    mg_str target;            /* the request target as received: path and query */
    const mg_header* headers; /* names as received; compare them case-insensitively */
    size_t header_count;
    mg_str body; /* the raw body bytes, exactly as received */
} mg_http_request;

/* An outbound message about to be sent through the provider. BORROWED for decorate(). */
typedef struct mg_outbound_message {
    uint32_t struct_size;
    mg_str message_id;  /* the gateway's id for this message */
    mg_str campaign_id; /* or empty */
    mg_str recipient;   /* one envelope recipient */
    mg_str meta;        /* the signed attribution token for (message, campaign, recipient) */
    mg_str from;        /* the From address */
    mg_str subject;
} mg_outbound_message;

/* ---------------------------------------------------------------------------------------------
 * The host's function table, passed to mg_driver_entry. STATIC on the host side: valid until
 * the library is unloaded. Every function never throws and copies what it is given before it
 * returns. THREAD: log() from any thread while its context lives. The others only inside the
 * call that handed over their object, on that call's thread: config_* and config_error within
 * create(); emit_event, reject_item and callback_error within the parse_callback() that got the
 * sink; add_header within the decorate() that got it. A sink serves one call and is not safe
 * for concurrent use.
 */
typedef struct mg_host_api {
    uint32_t struct_size;
    uint16_t abi_major;
    uint16_t abi_minor;

    /* Writes one log line, prefixed by the host with the provider and driver. */
    void (*log)(mg_host_ctx* ctx, int32_t level, mg_str message);

    /* Read an option's value (the default applied, secrets resolved). MG_NOT_FOUND when unset.
     * The mg_str returned by config_string is valid until create() returns. */
    mg_status (*config_string)(const mg_config* config, const char* name, mg_str* out);
    mg_status (*config_int)(const mg_config* config, const char* name, int64_t* out);
    mg_status (*config_bool)(const mg_config* config, const char* name, int32_t* out);
    /* Records why create() fails; `name` is the option at fault, or NULL for the instance as a
     * whole. The host names the provider in the error it reports. */
    void (*config_error)(const mg_config* config, const char* name, mg_str message);

    /* Hand one event / one rejected item to the host. Returns MG_TOO_MANY_EVENTS once the
     * driver's max_callback_events is passed: the driver should stop and return that. */
    mg_status (*emit_event)(mg_callback_sink* sink, const mg_event* event);
    mg_status (*reject_item)(mg_callback_sink* sink, const mg_rejected_item* item);
    /* A message for the response when parse_callback returns a status other than MG_OK. */
    void (*callback_error)(mg_callback_sink* sink, mg_str message);

    /* Adds one header to the outbound message. MG_BAD_REQUEST for a name or value that is not
     * a valid header (CR, LF, or NUL in it). */
    mg_status (*add_header)(mg_header_sink* sink, mg_str name, mg_str value);

    /* ---- ABI 1.1 ---- */

    /* Checks an attribution token a provider echoed back (the value the gateway put in the
     * message's meta header): MG_OK when this gateway signed it and it names `email` as its
     * recipient; MG_UNAUTHORIZED when it is forged, altered, malformed or for another
     * recipient. The host decodes it again when it stores the event. Callable only inside
     * parse_callback, with its sink. */
    mg_status (*verify_meta)(mg_callback_sink* sink, mg_str meta, mg_str email);
} mg_host_api;

/* ---------------------------------------------------------------------------------------------
 * The driver descriptor, returned by mg_driver_entry. STATIC: lives as long as the library.
 * The first three fields keep their place in every major version, so any host can tell why it
 * refuses a driver.
 */

/* The driver parses callbacks: parse_callback is set. */
#define MG_CAP_CALLBACKS (1u << 0)
/* The driver adds headers to outbound mail: decorate is set. */
#define MG_CAP_DECORATE (1u << 1)
/* The provider sends mail over SMTP; the option table carries the SMTP settings. */
#define MG_CAP_SMTP (1u << 2)

typedef struct mg_driver {
    uint32_t struct_size;
    uint16_t abi_major; /* MG_ABI_VERSION_MAJOR the driver was built with */
    uint16_t abi_minor; /* MG_ABI_VERSION_MINOR the driver was built with */

    const char* id;          /* [a-z][a-z0-9_]{0,31}, unique among loaded drivers */
    const char* version;     /* the driver's own version (semver) */
    const char* description; /* one line */
    uint64_t capabilities;   /* MG_CAP_* */
    const mg_option* options;
    uint32_t option_count;
    /* The most items (events plus rejected items) one callback may carry; 0: no count limit,
     * the body size bounds it. */
    uint32_t max_callback_events;

    /* Creates an instance for one configured provider. On failure returns MG_INVALID_CONFIG
     * (after config_error) or MG_INTERNAL_ERROR and leaves *out untouched.
     * THREAD: the host's control thread. */
    mg_status (*create)(mg_host_ctx* ctx, const mg_config* config, mg_instance** out);
    /* Frees an instance. THREAD: the control thread, after every other call on it returned. */
    void (*destroy)(mg_instance* instance);

    /* Adds the headers that make the ESP echo the attribution token. NULL unless
     * MG_CAP_DECORATE. A status other than MG_OK refuses the whole send request it is part of
     * (no message of it is queued), as a fault of the provider's configuration.
     * THREAD: any; called concurrently on one instance. */
    mg_status (*decorate)(const mg_instance* instance, const mg_outbound_message* message,
                          mg_header_sink* sink);

    /* Verifies and parses one callback request, emitting events and rejected items into the
     * sink. Returning anything but MG_OK discards what was emitted. NULL unless
     * MG_CAP_CALLBACKS. THREAD: any; called concurrently on one instance. */
    mg_status (*parse_callback)(const mg_instance* instance, const mg_http_request* request,
                                mg_callback_sink* sink);
} mg_driver;

/* The one symbol a driver exports. Called once, on the loading thread, before anything else.
 * `host` is STATIC (see mg_host_api). Returns the driver's STATIC descriptor, or NULL when the
 * driver cannot work with this host. */
typedef const mg_driver* (*mg_driver_entry_fn)(const mg_host_api* host);

#define MG_DRIVER_ENTRY_SYMBOL "mg_driver_entry"

#ifdef __cplusplus
}
#endif

#endif /* MAILGATE_SDK_ABI_H */
