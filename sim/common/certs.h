// A throwaway PKI generated at start: a CA, the server certificate for loopback, and client certificates.
#pragma once

#include <string>
#include <vector>

namespace pilothouse::sim {

struct CertifiedKey {
    std::string certPem;
    std::string keyPem;
};

struct Pki {
    CertifiedKey ca;
    CertifiedKey server;
    CertifiedKey admin;  // CN=sim-admin, O=system:masters
};

// Generates a fresh CA (ECDSA P-256) and certificates signed by it. The server certificate names
// 127.0.0.1, ::1, localhost and pilothouse-sim. Throws std::runtime_error on OpenSSL failure.
Pki generatePki();
CertifiedKey issueClientCertificate(const CertifiedKey &ca, const std::string &commonName,
                                    const std::vector<std::string> &organizations);

}  // namespace pilothouse::sim
