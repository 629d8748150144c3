// TLS for the HTTP server: the PEMs checked with GnuTLS before libmicrohttpd sees them, and the verification of
// a connection's client certificate (mutual TLS).
//
// libmicrohttpd (Debian's build links GnuTLS) does the handshakes: MHD_OPTION_HTTPS_MEM_CERT / _KEY give it the
// server's certificate and key, MHD_OPTION_HTTPS_MEM_TRUST the client CAs, which also makes it ask every client
// for a certificate (GNUTLS_CERT_REQUEST: optional, so a client without one still connects and may use a bearer
// token). MHD never verifies that certificate; `verifiedClientCertificate` does, on the connection's GnuTLS
// session: the chain must verify against the client CAs (the credentials MHD built from HTTPS_MEM_TRUST) and
// allow TLS client authentication. The answer is cached per connection (`ConnectionState`, kept in MHD's socket
// context) since a session's peer does not change: libmicrohttpd does not renegotiate.
//
// MHD reads the PEMs with strlen and gives GnuTLS's reasons only to its log, so `TLSMaterial` first parses them
// itself (certificate, key, that they match, the client CAs) to fail with a clear message, then keeps them as
// NUL-terminated strings for as long as the server runs.
import CMicroHTTPD

/// The server's PEMs, checked, as NUL-terminated C strings for MHD's HTTPS_MEM_* options.
final class TLSMaterial {
    let certificate: UnsafeMutablePointer<CChar>
    let key: UnsafeMutablePointer<CChar>
    let clientCAs: UnsafeMutablePointer<CChar>?
    private let keyLength: Int

    /// Parses `tls` with GnuTLS; throws one message naming what is wrong and GnuTLS's reason and number.
    init(_ tls: HTTPServerTLS) throws(TLSMaterialError) {
        for (what, pem) in [("certificate", tls.certificatePEM), ("key", tls.keyPEM), ("client CA", tls.clientCAPEM)] {
            if let pem, pem.contains(0) { throw TLSMaterialError("the TLS \(what) PEM contains a NUL byte") }
        }
        do {
            _ = try X509Certificate(tls.certificatePEM, format: GNUTLS_X509_FMT_PEM)
        } catch { throw TLSMaterialError("the TLS certificate does not parse: \(error)") }
        do {
            try X509PrivateKey.check(tls.keyPEM)
        } catch { throw TLSMaterialError("the TLS key does not parse: \(error)") }
        let credentials: CertificateCredentials
        do {
            credentials = try CertificateCredentials()
            try credentials.setKeyPair(certificate: tls.certificatePEM, key: tls.keyPEM)
        } catch { throw TLSMaterialError("the TLS certificate and key do not go together: \(error)") }
        if let clientCAPEM = tls.clientCAPEM {
            let count: Int32
            do {
                count = try credentials.addTrusted(clientCAPEM)
            } catch { throw TLSMaterialError("the TLS client CA does not parse: \(error)") }
            if count == 0 { throw TLSMaterialError("the TLS client CA PEM holds no certificate") }
        }
        certificate = Self.cString(tls.certificatePEM)
        key = Self.cString(tls.keyPEM)
        keyLength = tls.keyPEM.count
        clientCAs = tls.clientCAPEM.map(Self.cString)
    }

    deinit {
        key.update(repeating: 0, count: keyLength)  // no private key left behind in freed memory
        for pointer in [certificate, key, clientCAs].compactMap({ $0 }) { pointer.deallocate() }
    }

    private static func cString(_ bytes: [UInt8]) -> UnsafeMutablePointer<CChar> {
        let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
        for (index, byte) in bytes.enumerated() { pointer[index] = CChar(bitPattern: byte) }
        pointer[bytes.count] = 0
        return pointer
    }
}

/// Why the TLS settings were refused (becomes one of `HTTPServerError.messages`).
struct TLSMaterialError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A GnuTLS call failed: its error code and GnuTLS's text for it.
struct GnuTLSFailure: Error, CustomStringConvertible {
    var code: Int32
    var description: String { "\(String(cString: gnutls_strerror(code))) (GnuTLS error \(code))" }
}

/// Runs `body` with `bytes` as a gnutls_datum_t; GnuTLS only reads it (the pointer is mutable in the C type only),
/// so no copy of a private key is left behind.
private func withDatum<Result>(_ bytes: [UInt8], _ body: (inout gnutls_datum_t) -> Result) -> Result {
    bytes.withUnsafeBufferPointer { buffer in
        var datum = gnutls_datum_t(
            data: buffer.baseAddress.map { UnsafeMutablePointer(mutating: $0) },
            size: UInt32(buffer.count)
        )
        return body(&datum)
    }
}

/// One X.509 certificate (owns a gnutls_x509_crt_t).
final class X509Certificate {
    private let handle: OpaquePointer

    init(_ bytes: [UInt8], format: gnutls_x509_crt_fmt_t) throws(GnuTLSFailure) {
        var made: OpaquePointer?
        let status = gnutls_x509_crt_init(&made)
        guard status == GNUTLS_E_SUCCESS, let made else { throw GnuTLSFailure(code: status) }
        handle = made  // owned from here: deinit frees it even when the import below fails
        let imported = withDatum(bytes) { gnutls_x509_crt_import(made, &$0, format) }
        guard imported == GNUTLS_E_SUCCESS else { throw GnuTLSFailure(code: imported) }
    }

    deinit {
        gnutls_x509_crt_deinit(handle)
    }

    /// The subject's distinguished name as RFC 4514 text.
    var subject: String? {
        var datum = gnutls_datum_t()
        guard gnutls_x509_crt_get_dn3(handle, &datum, 0) == GNUTLS_E_SUCCESS, let data = datum.data else { return nil }
        defer { th_gnutls_free(data) }
        return String(decoding: UnsafeBufferPointer(start: data, count: Int(datum.size)), as: UTF8.self)
    }

    /// The subject's first common name (OID 2.5.4.3), if any.
    var commonName: String? {
        let oid = "2.5.4.3"
        var size = 0
        guard gnutls_x509_crt_get_dn_by_oid(handle, oid, 0, 0, nil, &size) == GNUTLS_E_SHORT_MEMORY_BUFFER else {
            return nil
        }
        var buffer = [UInt8](repeating: 0, count: size + 1)
        size = buffer.count
        guard gnutls_x509_crt_get_dn_by_oid(handle, oid, 0, 0, &buffer, &size) == GNUTLS_E_SUCCESS else { return nil }
        return String(decoding: buffer.prefix(min(size, buffer.count)).prefix { $0 != 0 }, as: UTF8.self)
    }
}

/// A private key, only parsed to check it (owns a gnutls_x509_privkey_t while checking).
enum X509PrivateKey {
    static func check(_ pem: [UInt8]) throws(GnuTLSFailure) {
        var made: OpaquePointer?
        let status = gnutls_x509_privkey_init(&made)
        guard status == GNUTLS_E_SUCCESS, let made else { throw GnuTLSFailure(code: status) }
        defer { gnutls_x509_privkey_deinit(made) }
        let imported = withDatum(pem) { gnutls_x509_privkey_import2(made, &$0, GNUTLS_X509_FMT_PEM, nil, 0) }
        guard imported == GNUTLS_E_SUCCESS else { throw GnuTLSFailure(code: imported) }
    }
}

/// Certificate credentials (owns a gnutls_certificate_credentials_t), here only to check the PEMs as MHD will
/// load them.
final class CertificateCredentials {
    private let handle: OpaquePointer

    init() throws(GnuTLSFailure) {
        var made: OpaquePointer?
        let status = gnutls_certificate_allocate_credentials(&made)
        guard status == GNUTLS_E_SUCCESS, let made else { throw GnuTLSFailure(code: status) }
        handle = made
    }

    deinit {
        gnutls_certificate_free_credentials(handle)
    }

    /// Loads a certificate (chain) and its key; GnuTLS checks that the key belongs to the certificate.
    func setKeyPair(certificate: [UInt8], key: [UInt8]) throws(GnuTLSFailure) {
        let status = withDatum(certificate) { certificateDatum in
            withDatum(key) {
                gnutls_certificate_set_x509_key_mem2(handle, &certificateDatum, &$0, GNUTLS_X509_FMT_PEM, nil, 0)
            }
        }
        guard status >= 0 else { throw GnuTLSFailure(code: status) }
    }

    /// Adds trusted CA certificates; returns how many were found.
    func addTrusted(_ pem: [UInt8]) throws(GnuTLSFailure) -> Int32 {
        let count = withDatum(pem) { gnutls_certificate_set_x509_trust_mem(handle, &$0, GNUTLS_X509_FMT_PEM) }
        guard count >= 0 else { throw GnuTLSFailure(code: count) }
        return count
    }
}

/// What one connection remembers across its requests: its client certificate, verified once.
final class ConnectionState {
    var clientCertificate: HTTPClientCertificate?
    var checked = false
}

/// The client certificate of `connection`, when it presented one that verifies against the client CAs.
/// Runs on the MHD thread serving the connection (the only one using its GnuTLS session at that moment).
func verifiedClientCertificate(_ connection: OpaquePointer) -> HTTPClientCertificate? {
    let cache = th_mhd_connection_socket_context(connection).map {
        Unmanaged<ConnectionState>.fromOpaque($0).takeUnretainedValue()
    }
    if let cache, cache.checked { return cache.clientCertificate }
    let verified = verifyClientCertificate(connection)
    cache?.clientCertificate = verified
    cache?.checked = true
    return verified
}

private func verifyClientCertificate(_ connection: OpaquePointer) -> HTTPClientCertificate? {
    guard let session = th_mhd_connection_tls_session(connection) else { return nil }
    var status: UInt32 = 0
    // Fails with GNUTLS_E_NO_CERTIFICATE_FOUND when the client sent none; a nonzero status lists what is wrong.
    guard th_gnutls_verify_client_peer(session, &status) == GNUTLS_E_SUCCESS, status == 0 else { return nil }
    var count: UInt32 = 0
    guard let peers = gnutls_certificate_get_peers(session, &count), count > 0, let data = peers[0].data else {
        return nil
    }
    let der = Array(UnsafeBufferPointer(start: data, count: Int(peers[0].size)))
    guard let certificate = try? X509Certificate(der, format: GNUTLS_X509_FMT_DER), let subject = certificate.subject
    else { return nil }
    return HTTPClientCertificate(commonName: certificate.commonName, subject: subject)
}

/// MHD_NotifyConnectionCallback (registered only for mutual TLS): gives each connection its `ConnectionState`
/// (+1 retained in MHD's socket context) when it starts and releases it when it closes.
let connectionNotified: MHD_NotifyConnectionCallback = { _, _, socketContext, code in
    guard let socketContext else { return }
    switch code {
    case .CONNECTION_NOTIFY_STARTED:
        socketContext.pointee = Unmanaged.passRetained(ConnectionState()).toOpaque()
    case .CONNECTION_NOTIFY_CLOSED:
        if let state = socketContext.pointee { Unmanaged<ConnectionState>.fromOpaque(state).release() }
        socketContext.pointee = nil
    default:
        break
    }
}
