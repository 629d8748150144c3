// libcurl (OpenSSL build): the forwarder's HTTP client.
#include <curl/curl.h>

// curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call: one typed wrapper per argument
// type, as swift-corelibs-foundation's CFURLSession_easy_setopt_long/_ptr do.

// Options whose argument is a long (timeouts, flags, booleans).
static inline CURLcode th_curl_easy_setopt_long(CURL *curl, CURLoption option, long value) {
    return curl_easy_setopt(curl, option, value);
}
// Options whose argument is a pointer (strings copied by curl, callback userdata, slists).
static inline CURLcode th_curl_easy_setopt_ptr(CURL *curl, CURLoption option, const void *value) {
    return curl_easy_setopt(curl, option, value);
}
// Options whose argument is a curl_off_t (body sizes past 2 GiB on 32-bit longs).
static inline CURLcode th_curl_easy_setopt_off_t(CURL *curl, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(curl, option, value);
}
// CURLOPT_WRITEFUNCTION / CURLOPT_HEADERFUNCTION: the callback type differs from a data pointer in C.
static inline CURLcode th_curl_easy_setopt_write_callback(
    CURL *curl, CURLoption option, size_t (*callback)(char *, size_t, size_t, void *)) {
    return curl_easy_setopt(curl, option, callback);
}
// CURLOPT_READFUNCTION: the request body is streamed from a Swift-owned buffer.
static inline CURLcode th_curl_easy_setopt_read_callback(
    CURL *curl, CURLoption option, size_t (*callback)(char *, size_t, size_t, void *)) {
    return curl_easy_setopt(curl, option, callback);
}
// CURLINFO_RESPONSE_CODE and other long-valued infos.
static inline CURLcode th_curl_easy_getinfo_long(CURL *curl, CURLINFO info, long *value) {
    return curl_easy_getinfo(curl, info, value);
}
// CURLINFO_TOTAL_TIME and other double-valued infos.
static inline CURLcode th_curl_easy_getinfo_double(CURL *curl, CURLINFO info, double *value) {
    return curl_easy_getinfo(curl, info, value);
}
// CURLINFO_EFFECTIVE_URL and other string-valued infos (owned by curl).
static inline CURLcode th_curl_easy_getinfo_string(CURL *curl, CURLINFO info, const char **value) {
    return curl_easy_getinfo(curl, info, value);
}
// CURLINFO_RETRY_AFTER and other curl_off_t-valued infos.
static inline CURLcode th_curl_easy_getinfo_off_t(CURL *curl, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(curl, info, value);
}
// CURL_GLOBAL_DEFAULT is a macro over or'd shifts that Swift does not import.
static inline long th_curl_global_default(void) {
    return CURL_GLOBAL_DEFAULT;
}
