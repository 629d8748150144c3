// libmicrohttpd: the collector's HTTP server; GnuTLS (which Debian's libmicrohttpd uses) for checking the
// configured PEMs and verifying client certificates.
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <microhttpd.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

// MHD_start_daemon is variadic (option, value pairs ending in MHD_OPTION_END), which Swift cannot call.
// Options are passed as one MHD_OptionItem array (MHD_OPTION_ARRAY), so one fixed signature covers them all;
// it forwards to MHD_start_daemon_va through a variadic helper, the only way C can build a va_list.
static inline struct MHD_Daemon *th_mhd_start_daemon_va_helper(
    unsigned int flags, uint16_t port, MHD_AccessHandlerCallback handler, void *handler_context, ...) {
    va_list arguments;
    va_start(arguments, handler_context);
    struct MHD_Daemon *daemon = MHD_start_daemon_va(flags, port, NULL, NULL, handler, handler_context, arguments);
    va_end(arguments);
    return daemon;
}
static inline struct MHD_Daemon *th_mhd_start_daemon(
    unsigned int flags, uint16_t port, MHD_AccessHandlerCallback handler, void *handler_context,
    struct MHD_OptionItem *options) {
    return th_mhd_start_daemon_va_helper(
        flags, port, handler, handler_context, MHD_OPTION_ARRAY, options, MHD_OPTION_END);
}
// MHD_get_daemon_info is variadic; the collector asks it which port it bound when configured with port 0.
static inline uint16_t th_mhd_daemon_bound_port(struct MHD_Daemon *daemon) {
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
    return info == NULL ? 0 : info->port;
}
// MHD_get_connection_info is variadic; the collector logs and limits by the client's address.
static inline const struct sockaddr *th_mhd_connection_client_address(struct MHD_Connection *connection) {
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    return info == NULL ? NULL : info->client_addr;
}
// MHD_NO / MHD_YES are enum MHD_Result members on 0.9.75 but plain macros on older releases; pin the values.
static inline enum MHD_Result th_mhd_yes(void) { return MHD_YES; }
static inline enum MHD_Result th_mhd_no(void) { return MHD_NO; }
// MHD_get_connection_info is variadic; mutual TLS verifies the client certificate on the connection's session.
static inline gnutls_session_t th_mhd_connection_tls_session(struct MHD_Connection *connection) {
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    return info == NULL ? NULL : (gnutls_session_t) info->tls_session;
}
// MHD_get_connection_info is variadic; the per-connection cache of the client certificate lives in this slot.
static inline void *th_mhd_connection_socket_context(struct MHD_Connection *connection) {
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return info == NULL ? NULL : info->socket_context;
}
// Verifies the client's chain and its TLS-client key purpose, whose OID is a string macro Swift cannot pass.
static inline int th_gnutls_verify_client_peer(gnutls_session_t session, unsigned int *status) {
    gnutls_typed_vdata_st purpose = {GNUTLS_DT_KEY_PURPOSE_OID, (unsigned char *) GNUTLS_KP_TLS_WWW_CLIENT, 0};
    return gnutls_certificate_verify_peers(session, &purpose, 1, status);
}
// gnutls_free is a function-like macro (it also clears its argument), which Swift cannot call.
static inline void th_gnutls_free(void *pointer) { gnutls_free(pointer); }
