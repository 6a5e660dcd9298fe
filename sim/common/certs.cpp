// Certificate generation with OpenSSL 3.
#include "common/certs.h"

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>

namespace pilothouse::sim {

namespace {

template <class T, void (*F)(T *)>
struct Deleter {
    void operator()(T *p) const { F(p); }
};
using PKeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

void check(bool ok, const char *what)
{
    if (!ok)
        throw std::runtime_error(std::string("certificate generation failed: ") + what);
}

PKeyPtr newKey()
{
    PKeyPtr key(EVP_EC_gen("P-256"));
    check(key != nullptr, "EVP_EC_gen");
    return key;
}

std::string toPem(X509 *cert)
{
    BioPtr bio(BIO_new(BIO_s_mem()));
    check(PEM_write_bio_X509(bio.get(), cert) == 1, "PEM_write_bio_X509");
    char *data = nullptr;
    long len = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<size_t>(len));
}

std::string toPem(EVP_PKEY *key)
{
    BioPtr bio(BIO_new(BIO_s_mem()));
    check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1, "PEM_write_bio_PrivateKey");
    char *data = nullptr;
    long len = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<size_t>(len));
}

X509Ptr certFromPem(const std::string &pem)
{
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    check(cert != nullptr, "PEM_read_bio_X509");
    return cert;
}

PKeyPtr keyFromPem(const std::string &pem)
{
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    PKeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    check(key != nullptr, "PEM_read_bio_PrivateKey");
    return key;
}

void addExtension(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    check(ext != nullptr, "X509V3_EXT_conf_nid");
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
}

X509Ptr newCert(EVP_PKEY *key, const std::string &cn, const std::vector<std::string> &orgs, long days)
{
    X509Ptr cert(X509_new());
    X509_set_version(cert.get(), 2);
    unsigned char serial[16];
    RAND_bytes(serial, sizeof serial);
    serial[0] &= 0x7f;
    BIGNUM *bn = BN_bin2bn(serial, sizeof serial, nullptr);
    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
    BN_free(bn);
    // Backdate a little so clocks that disagree by a minute still accept the certificate.
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), days * 24 * 3600);
    X509_set_pubkey(cert.get(), key);
    X509_NAME *name = X509_get_subject_name(cert.get());
    for (const auto &o : orgs)
        X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char *>(o.c_str()), -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char *>(cn.c_str()), -1, -1, 0);
    return cert;
}

CertifiedKey issue(const CertifiedKey &ca, const std::string &cn, const std::vector<std::string> &orgs, bool server)
{
    X509Ptr caCert = certFromPem(ca.certPem);
    PKeyPtr caKey = keyFromPem(ca.keyPem);
    PKeyPtr key = newKey();
    X509Ptr cert = newCert(key.get(), cn, orgs, 365);
    X509_set_issuer_name(cert.get(), X509_get_subject_name(caCert.get()));
    addExtension(cert.get(), caCert.get(), NID_basic_constraints, "critical,CA:FALSE");
    addExtension(cert.get(), caCert.get(), NID_key_usage, "critical,digitalSignature,keyEncipherment");
    addExtension(cert.get(), caCert.get(), NID_ext_key_usage, server ? "serverAuth" : "clientAuth");
    addExtension(cert.get(), caCert.get(), NID_authority_key_identifier, "keyid:always");
    if (server)
        addExtension(cert.get(), caCert.get(), NID_subject_alt_name,
                     "IP:127.0.0.1,IP:::1,DNS:localhost,DNS:pilothouse-sim,DNS:kubernetes.default.svc");
    check(X509_sign(cert.get(), caKey.get(), EVP_sha256()) > 0, "X509_sign");
    return {toPem(cert.get()), toPem(key.get())};
}

}  // namespace

Pki generatePki()
{
    Pki pki;
    PKeyPtr caKey = newKey();
    X509Ptr caCert = newCert(caKey.get(), "pilothouse-sim-ca", {"pilothouse-sim"}, 3650);
    X509_set_issuer_name(caCert.get(), X509_get_subject_name(caCert.get()));
    addExtension(caCert.get(), caCert.get(), NID_basic_constraints, "critical,CA:TRUE");
    addExtension(caCert.get(), caCert.get(), NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature");
    addExtension(caCert.get(), caCert.get(), NID_subject_key_identifier, "hash");
    check(X509_sign(caCert.get(), caKey.get(), EVP_sha256()) > 0, "X509_sign CA");
    pki.ca = {toPem(caCert.get()), toPem(caKey.get())};
    pki.server = issue(pki.ca, "pilothouse-sim", {}, true);
    pki.admin = issue(pki.ca, "sim-admin", {"system:masters"}, false);
    return pki;
}

CertifiedKey issueClientCertificate(const CertifiedKey &ca, const std::string &commonName,
                                    const std::vector<std::string> &organizations)
{
    return issue(ca, commonName, organizations, false);
}

}  // namespace pilothouse::sim
