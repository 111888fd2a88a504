//! x509_decode, checked against the expectations in Kyverno's functions_test.go.

use super::super::testing::{err, ok};
use super::*;

const CERT_KYVERNO_SVC: &str = "-----BEGIN CERTIFICATE-----
MIIC7TCCAdWgAwIBAgIBADANBgkqhkiG9w0BAQsFADAYMRYwFAYDVQQDDA0qLmt5
dmVybm8uc3ZjMB4XDTIyMDExMTEzMjY0M1oXDTIzMDExMTE0MjY0M1owGDEWMBQG
A1UEAwwNKi5reXZlcm5vLnN2YzCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoC
ggEBAMsAz85+yino+MmdKsVtHwNi3oAVjumzXHiLfUJK7xi5KU8B7goPHF/VCe/V
7Y2c4afyfgY2ePw4LxSDkCYNgYwqjSwGIbcsqv5ZRazBdDxR09ri6PknNyBVGLi5
RlPXIrGQ3psNuf55qwxJxLO31qCZuvktKY5YvuIR4JPmBhuSFXOnn0ZiQw8uxMcQ
0QA2lz+PxWCVNk9q+31H5DH1oYZDLfU3mijIOA+AJGZbBb+ZwBmpVL0+2TXLxE74
WowdKEV+WTsKojNTd0VwcuRKRKR/6ynXAAis21y1X7Ui9FJE6mDIylUD40WXOKGJ
1lYY41kRnYhVhvXYN9JtNYdY3HsCAwEAAaNCMEAwDgYDVR0PAQH/BAQDAgKkMA8G
A1UdEwEB/wQFMAMBAf8wHQYDVR0OBBYEFOnlASVD9fu3TAjptlW/gAXA4ql+MA0G
CSqGSIb3DQEBCwUAA4IBAQCIpyRiChxp97crKfQ24Jt7z8P+AGpLf3sX4eL87ESa
7QRoVJtXLmaut1pUEoYLQruKmh/0YFtZG9WxVgY6iuKbWnu7bOeMB/Ir+V/yrX3R
+XvZOsuXiJnEbJiBW6lJzLldoW4f/71H+j1WD4tHpqmdMxq/sLqXfPIuc0/m0yFC
n+ADBWGGB8Nn66vxtv+cT6p+RIVotXPQWbMilWp6pd5wSuB68FqrDwtYLNJtPwFs
9MPVkuaJdYZ0eWd/rMcKD94Hgf89gvA0+qzMVFf+3BemXskjQRYy6CKsqoyC6jX4
nhYjumAP/7psbzITsnpHtfCEEU+2JZwgM406aiMcsgLb
-----END CERTIFICATE-----
";

/// Kyverno's expected JSON for the certificate above (Go before 1.22, hence no `Policies`).
const CERT_KYVERNO_SVC_JSON: &str = r#"{"Raw":"MIIC7TCCAdWgAwIBAgIBADANBgkqhkiG9w0BAQsFADAYMRYwFAYDVQQDDA0qLmt5dmVybm8uc3ZjMB4XDTIyMDExMTEzMjY0M1oXDTIzMDExMTE0MjY0M1owGDEWMBQGA1UEAwwNKi5reXZlcm5vLnN2YzCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBAMsAz85+yino+MmdKsVtHwNi3oAVjumzXHiLfUJK7xi5KU8B7goPHF/VCe/V7Y2c4afyfgY2ePw4LxSDkCYNgYwqjSwGIbcsqv5ZRazBdDxR09ri6PknNyBVGLi5RlPXIrGQ3psNuf55qwxJxLO31qCZuvktKY5YvuIR4JPmBhuSFXOnn0ZiQw8uxMcQ0QA2lz+PxWCVNk9q+31H5DH1oYZDLfU3mijIOA+AJGZbBb+ZwBmpVL0+2TXLxE74WowdKEV+WTsKojNTd0VwcuRKRKR/6ynXAAis21y1X7Ui9FJE6mDIylUD40WXOKGJ1lYY41kRnYhVhvXYN9JtNYdY3HsCAwEAAaNCMEAwDgYDVR0PAQH/BAQDAgKkMA8GA1UdEwEB/wQFMAMBAf8wHQYDVR0OBBYEFOnlASVD9fu3TAjptlW/gAXA4ql+MA0GCSqGSIb3DQEBCwUAA4IBAQCIpyRiChxp97crKfQ24Jt7z8P+AGpLf3sX4eL87ESa7QRoVJtXLmaut1pUEoYLQruKmh/0YFtZG9WxVgY6iuKbWnu7bOeMB/Ir+V/yrX3R+XvZOsuXiJnEbJiBW6lJzLldoW4f/71H+j1WD4tHpqmdMxq/sLqXfPIuc0/m0yFCn+ADBWGGB8Nn66vxtv+cT6p+RIVotXPQWbMilWp6pd5wSuB68FqrDwtYLNJtPwFs9MPVkuaJdYZ0eWd/rMcKD94Hgf89gvA0+qzMVFf+3BemXskjQRYy6CKsqoyC6jX4nhYjumAP/7psbzITsnpHtfCEEU+2JZwgM406aiMcsgLb","RawTBSCertificate":"MIIB1aADAgECAgEAMA0GCSqGSIb3DQEBCwUAMBgxFjAUBgNVBAMMDSoua3l2ZXJuby5zdmMwHhcNMjIwMTExMTMyNjQzWhcNMjMwMTExMTQyNjQzWjAYMRYwFAYDVQQDDA0qLmt5dmVybm8uc3ZjMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAywDPzn7KKej4yZ0qxW0fA2LegBWO6bNceIt9QkrvGLkpTwHuCg8cX9UJ79XtjZzhp/J+BjZ4/DgvFIOQJg2BjCqNLAYhtyyq/llFrMF0PFHT2uLo+Sc3IFUYuLlGU9cisZDemw25/nmrDEnEs7fWoJm6+S0pjli+4hHgk+YGG5IVc6efRmJDDy7ExxDRADaXP4/FYJU2T2r7fUfkMfWhhkMt9TeaKMg4D4AkZlsFv5nAGalUvT7ZNcvETvhajB0oRX5ZOwqiM1N3RXBy5EpEpH/rKdcACKzbXLVftSL0UkTqYMjKVQPjRZc4oYnWVhjjWRGdiFWG9dg30m01h1jcewIDAQABo0IwQDAOBgNVHQ8BAf8EBAMCAqQwDwYDVR0TAQH/BAUwAwEB/zAdBgNVHQ4EFgQU6eUBJUP1+7dMCOm2Vb+ABcDiqX4=","RawSubjectPublicKeyInfo":"MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAywDPzn7KKej4yZ0qxW0fA2LegBWO6bNceIt9QkrvGLkpTwHuCg8cX9UJ79XtjZzhp/J+BjZ4/DgvFIOQJg2BjCqNLAYhtyyq/llFrMF0PFHT2uLo+Sc3IFUYuLlGU9cisZDemw25/nmrDEnEs7fWoJm6+S0pjli+4hHgk+YGG5IVc6efRmJDDy7ExxDRADaXP4/FYJU2T2r7fUfkMfWhhkMt9TeaKMg4D4AkZlsFv5nAGalUvT7ZNcvETvhajB0oRX5ZOwqiM1N3RXBy5EpEpH/rKdcACKzbXLVftSL0UkTqYMjKVQPjRZc4oYnWVhjjWRGdiFWG9dg30m01h1jcewIDAQAB","RawSubject":"MBgxFjAUBgNVBAMMDSoua3l2ZXJuby5zdmM=","RawIssuer":"MBgxFjAUBgNVBAMMDSoua3l2ZXJuby5zdmM=","Signature":"iKckYgocafe3Kyn0NuCbe8/D/gBqS397F+Hi/OxEmu0EaFSbVy5mrrdaVBKGC0K7ipof9GBbWRvVsVYGOorim1p7u2znjAfyK/lf8q190fl72TrLl4iZxGyYgVupScy5XaFuH/+9R/o9Vg+LR6apnTMav7C6l3zyLnNP5tMhQp/gAwVhhgfDZ+ur8bb/nE+qfkSFaLVz0FmzIpVqeqXecErgevBaqw8LWCzSbT8BbPTD1ZLmiXWGdHlnf6zHCg/eB4H/PYLwNPqszFRX/twXpl7JI0EWMugirKqMguo1+J4WI7pgD/+6bG8yE7J6R7XwhBFPtiWcIDONOmojHLIC2w==","SignatureAlgorithm":4,"PublicKeyAlgorithm":1,"PublicKey":{"N":"25626776194299809103943925293022478779550111351090439168995035251396620593900589237452364135475983088162735720467798166985191488213022186077349821145857402701723499012699772423162550319145896535355752944351742979794245171828792388153331005254201525593934122190716637483002316913539755904599370968007653484768793099970920881706651907943367212661888776583428009130496820305182341702970575924538413569026902195901329094514102681440057150490032724791460671006772434362132998853498175356133386237155854830546292463707783883111067332118558636600306550854546869660051077649500890548685566726464348535891964886136890236394619","E":65537},"Version":3,"SerialNumber":0,"Issuer":{"Country":null,"Organization":null,"OrganizationalUnit":null,"Locality":null,"Province":null,"StreetAddress":null,"PostalCode":null,"SerialNumber":"","CommonName":"*.kyverno.svc","Names":[{"Type":[2,5,4,3],"Value":"*.kyverno.svc"}],"ExtraNames":null},"Subject":{"Country":null,"Organization":null,"OrganizationalUnit":null,"Locality":null,"Province":null,"StreetAddress":null,"PostalCode":null,"SerialNumber":"","CommonName":"*.kyverno.svc","Names":[{"Type":[2,5,4,3],"Value":"*.kyverno.svc"}],"ExtraNames":null},"NotBefore":"2022-01-11T13:26:43Z","NotAfter":"2023-01-11T14:26:43Z","KeyUsage":37,"Extensions":[{"Id":[2,5,29,15],"Critical":true,"Value":"AwICpA=="},{"Id":[2,5,29,19],"Critical":true,"Value":"MAMBAf8="},{"Id":[2,5,29,14],"Critical":false,"Value":"BBTp5QElQ/X7t0wI6bZVv4AFwOKpfg=="}],"ExtraExtensions":null,"UnhandledCriticalExtensions":null,"ExtKeyUsage":null,"UnknownExtKeyUsage":null,"BasicConstraintsValid":true,"IsCA":true,"MaxPathLen":-1,"MaxPathLenZero":false,"SubjectKeyId":"6eUBJUP1+7dMCOm2Vb+ABcDiqX4=","AuthorityKeyId":null,"OCSPServer":null,"IssuingCertificateURL":null,"DNSNames":null,"EmailAddresses":null,"IPAddresses":null,"URIs":null,"PermittedDNSDomainsCritical":false,"PermittedDNSDomains":null,"ExcludedDNSDomains":null,"PermittedIPRanges":null,"ExcludedIPRanges":null,"PermittedEmailAddresses":null,"ExcludedEmailAddresses":null,"PermittedURIDomains":null,"ExcludedURIDomains":null,"CRLDistributionPoints":null,"PolicyIdentifiers":null}"#;

const CERT_XX: &str = "-----BEGIN CERTIFICATE-----
MIIDSjCCAjKgAwIBAgIUWxmj40l+TDVJq98Xy7c6Leo3np8wDQYJKoZIhvcNAQEL
BQAwPTELMAkGA1UEBhMCeHgxCjAIBgNVBAgTAXgxCjAIBgNVBAcTAXgxCjAIBgNV
BAoTAXgxCjAIBgNVBAsTAXgwHhcNMTgwMjAyMTIzODAwWhcNMjMwMjAxMTIzODAw
WjA9MQswCQYDVQQGEwJ4eDEKMAgGA1UECBMBeDEKMAgGA1UEBxMBeDEKMAgGA1UE
ChMBeDEKMAgGA1UECxMBeDCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEB
ANHkqOmVf23KMXdaZU2eFUx1h4wb09JINBB8x/HL7UE0KFJcnOoVnNQB0gRukUop
iYCzrzMFyGWWmB/pAEKool+ZiI2uMy6mcYBDtOi4pOm7U0TQQMV6L/5Yfi65xRz3
RTMd/tYAoFi4aCZbJAGjxU6UWNYDzTy8E/cP6ZnlNbVHRiA6/wHsoWcXtWTXYP5y
n9cf7EWQi1hOBM4BWmOIyB1f6LEgQipZWMOMPPHO3hsuSBn0rk7jovSt5XTlbgRr
txqAJiNjJUykWzIF+lLnZCioippGv5vkdGvE83JoACXvZTUwzA+MLu49fkw3bweq
kbhrer8kacjfGlw3aJN37eECAwEAAaNCMEAwDgYDVR0PAQH/BAQDAgEGMA8GA1Ud
EwEB/wQFMAMBAf8wHQYDVR0OBBYEFKXcb52bv6oqnD+D9fTNFHZL8IWxMA0GCSqG
SIb3DQEBCwUAA4IBAQADvKvv3ym0XAYwKxPLLl3Lc6sJYHDbTN0donduG7PXeb1d
huukJ2lfufUYp2IGSAxuLecTYeeByOVp1gaMb5LsIGt2BVDmlMMkiH29LUHsvbyi
85CpJo7A5RJG6AWW2VBCiDjz5v8JFM6pMkBRFfXH+pwIge65CE+MTSQcfb1/aIIo
Q226P7E/3uUGX4k4pDXG/O7GNvykF40v1DB5y7DDBTQ4JWiJfyGkT69TmdOGLFAm
jwxUjWyvEey4qJex/EGEm5RQcMv9iy7tba1wK7sykNGn5uDELGPGIIEAa5rIHm1F
UFOZZVoELaasWS559wy8og39Eq21dDMynb8Bndn/
-----END CERTIFICATE-----
";

const CSR_DIGICERT: &str = "-----BEGIN CERTIFICATE REQUEST-----
MIICvDCCAaQCAQAwdzELMAkGA1UEBhMCVVMxDTALBgNVBAgMBFV0YWgxDzANBgNV
BAcMBkxpbmRvbjEWMBQGA1UECgwNRGlnaUNlcnQgSW5jLjERMA8GA1UECwwIRGln
aUNlcnQxHTAbBgNVBAMMFGV4YW1wbGUuZGlnaWNlcnQuY29tMIIBIjANBgkqhkiG
9w0BAQEFAAOCAQ8AMIIBCgKCAQEA8+To7d+2kPWeBv/orU3LVbJwDrSQbeKamCmo
wp5bqDxIwV20zqRb7APUOKYoVEFFOEQs6T6gImnIolhbiH6m4zgZ/CPvWBOkZc+c
1Po2EmvBz+AD5sBdT5kzGQA6NbWyZGldxRthNLOs1efOhdnWFuhI162qmcflgpiI
WDuwq4C9f+YkeJhNn9dF5+owm8cOQmDrV8NNdiTqin8q3qYAHHJRW28glJUCZkTZ
wIaSR6crBQ8TbYNE0dc+Caa3DOIkz1EOsHWzTx+n0zKfqcbgXi4DJx+C1bjptYPR
BPZL8DAeWuA8ebudVT44yEp82G96/Ggcf7F33xMxe0yc+Xa6owIDAQABoAAwDQYJ
KoZIhvcNAQEFBQADggEBAB0kcrFccSmFDmxox0Ne01UIqSsDqHgL+XmHTXJwre6D
hJSZwbvEtOK0G3+dr4Fs11WuUNt5qcLsx5a8uk4G6AKHMzuhLsJ7XZjgmQXGECpY
Q4mC3yT3ZoCGpIXbw+iP3lmEEXgaQL0Tx5LFl/okKbKYwIqNiyKWOMj7ZR/wxWg/
ZDGRs55xuoeLDJ/ZRFf9bI+IaCUd1YrfYcHIl3G87Av+r49YVwqRDT0VDV7uLgqn
29XI1PpVUNCPQGn9p/eX6Qo7vpDaPybRtA2R7XLKjQaF9oXWeCUqy1hvJac9QFO2
97Ob1alpHPoZ7mWiEuJwjBPii6a9M9G30nUo39lBi1w=
-----END CERTIFICATE REQUEST-----";

fn j(text: &str) -> Value {
    Value::from_json(&serde_json::from_str(text).expect("valid JSON in test"))
}

fn decode(pem: &str) -> Map {
    ok("x509_decode", &[Value::from(pem)])
        .as_object()
        .expect("an object")
        .clone()
}

#[test]
fn certificate_matches_kyverno() {
    let got = decode(CERT_KYVERNO_SVC);
    let want = j(CERT_KYVERNO_SVC_JSON);
    for (key, value) in want.as_object().unwrap() {
        assert_eq!(got.get(key), Some(value), "field {key}");
    }
    // Go 1.22+ fields that the older expectation predates.
    for (key, value) in [
        ("Policies", Value::Null),
        ("InhibitAnyPolicy", Value::Number(0.0)),
        ("InhibitAnyPolicyZero", Value::Bool(false)),
        ("InhibitPolicyMapping", Value::Number(0.0)),
        ("InhibitPolicyMappingZero", Value::Bool(false)),
        ("RequireExplicitPolicy", Value::Number(0.0)),
        ("RequireExplicitPolicyZero", Value::Bool(false)),
        ("PolicyMappings", Value::Null),
    ] {
        assert_eq!(got.get(key), Some(&value), "field {key}");
    }
    assert_eq!(got.len(), want.as_object().unwrap().len() + 8);
}

#[test]
fn certificate_with_full_subject() {
    let got = decode(CERT_XX);
    let name = j(
        r#"{"Country":["xx"],"Organization":["x"],"OrganizationalUnit":["x"],"Locality":["x"],"Province":["x"],"StreetAddress":null,"PostalCode":null,"SerialNumber":"","CommonName":"","Names":[{"Type":[2,5,4,6],"Value":"xx"},{"Type":[2,5,4,8],"Value":"x"},{"Type":[2,5,4,7],"Value":"x"},{"Type":[2,5,4,10],"Value":"x"},{"Type":[2,5,4,11],"Value":"x"}],"ExtraNames":null}"#,
    );
    assert_eq!(got.get("Issuer"), Some(&name));
    assert_eq!(got.get("Subject"), Some(&name));
    assert_eq!(
        got.get("SerialNumber"),
        Some(&Value::Number(
            520089955419326249038486015063014459614455897759.0
        ))
    );
    assert_eq!(got.get("KeyUsage"), Some(&Value::Number(96.0)));
    assert_eq!(
        got.get("NotBefore"),
        Some(&Value::from("2018-02-02T12:38:00Z"))
    );
    assert_eq!(
        got.get("NotAfter"),
        Some(&Value::from("2023-02-01T12:38:00Z"))
    );
    assert_eq!(
        got.get("SubjectKeyId"),
        Some(&Value::from("pdxvnZu/qiqcP4P19M0UdkvwhbE="))
    );
    let key = j(
        r#"{"N":"26496562094779491076553211809422098021949952483515703281510813808490953126660362388109632773224118754702902108388229193869554055094778177099185065933983949693842239539154549752097759985799130804083586220803335221114269832081649712810220640441076536231140807229028981655981643835428138719795509959624793308640711388215921808921435203036357847686892066058381787405708754578605922703585581205444932036212009496723589206933777338978604488048677611723712498345752655171502746679687404543368933776929978831813434358099337112479727796701588293884856604804625411358577626503349165930794262171211166398339413648296787152727521","E":65537}"#,
    );
    assert_eq!(got.get("PublicKey"), Some(&key));
}

#[test]
fn base64_wrapped_pem_needs_decoding_first() {
    let wrapped = base64::engine::general_purpose::STANDARD.encode(CERT_KYVERNO_SVC);
    let decoded = ok("base64_decode", &[Value::from(wrapped.as_str())]);
    let got = ok("x509_decode", &[decoded]);
    assert_eq!(
        got.as_object().unwrap().get("NotAfter"),
        Some(&Value::from("2023-01-11T14:26:43Z"))
    );
    assert_eq!(
        err("x509_decode", &[Value::from(wrapped.as_str())]),
        "failed to decode PEM block"
    );
}

#[test]
fn certificate_request_matches_kyverno() {
    let got = decode(CSR_DIGICERT);
    let want = j(
        r#"{"Attributes": null,"DNSNames": null,"EmailAddresses": null,"Extensions": null,"ExtraExtensions": null,"IPAddresses": null,"PublicKey": {"E": 65537,"N": "30788787775499084229626026724118719872973907471499649646184775670914346180312671906399223325409590948519743636184795333482381888453996128329396648505249062053283056069530767359210562374203250761551376585013181653210719557451154530514423713570995019036786795900989905655136970670786111875127185122973524433496741842862203002594125711406631836733656561027033024624302759714504708249269624951711291364305004897900464453081676928894280743798888738608709381777168414778329993619693869221517193116446955833233290395600921852333943656575398427367952052258926688943219100950267027328710138285403327192731641778165311310576291"},"PublicKeyAlgorithm": 1,"RawSubject": "MHcxCzAJBgNVBAYTAlVTMQ0wCwYDVQQIDARVdGFoMQ8wDQYDVQQHDAZMaW5kb24xFjAUBgNVBAoMDURpZ2lDZXJ0IEluYy4xETAPBgNVBAsMCERpZ2lDZXJ0MR0wGwYDVQQDDBRleGFtcGxlLmRpZ2ljZXJ0LmNvbQ==","SignatureAlgorithm": 3,"Subject": {"CommonName": "example.digicert.com","Country": ["US"],"ExtraNames": null,"Locality": ["Lindon"],"Names": [{"Type": [2,5,4,6],"Value": "US"},{"Type": [2,5,4,8],"Value": "Utah"},{"Type": [2,5,4,7],"Value": "Lindon"},{"Type": [2,5,4,10],"Value": "DigiCert Inc."},{"Type": [2,5,4,11],"Value": "DigiCert"},{"Type": [2,5,4,3],"Value": "example.digicert.com"}],"Organization": ["DigiCert Inc."],"OrganizationalUnit": ["DigiCert"],"PostalCode": null,"Province": ["Utah"],"SerialNumber": "","StreetAddress": null},"URIs": null,"Version": 0}"#,
    );
    for (key, value) in want.as_object().unwrap() {
        assert_eq!(got.get(key), Some(value), "field {key}");
    }
    for key in [
        "Raw",
        "RawTBSCertificateRequest",
        "RawSubjectPublicKeyInfo",
        "Signature",
    ] {
        assert!(got.get(key).and_then(Value::as_str).is_some(), "{key}");
    }
    assert_eq!(
        got.get("Signature")
            .and_then(Value::as_str)
            .map(|s| &s[..16]),
        Some("HSRysVxxKYUObGjH")
    );
    assert_eq!(got.len(), 17);
}

#[test]
fn pem_errors() {
    assert_eq!(
        err("x509_decode", &[Value::from("")]),
        "failed to decode PEM block"
    );
    assert_eq!(
        err(
            "x509_decode",
            &[Value::from(
                "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"
            )]
        ),
        "PEM block neither contains a CERTIFICATE or CERTIFICATE REQUEST"
    );
    assert_eq!(
        err(
            "x509_decode",
            &[Value::from(
                "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
            )]
        ),
        "x509: malformed certificate"
    );
    // Mismatched END type: the block is not found.
    assert_eq!(
        err(
            "x509_decode",
            &[Value::from(
                "-----BEGIN CERTIFICATE-----\nAAAA\n-----END X-----\n"
            )]
        ),
        "failed to decode PEM block"
    );
}

#[test]
fn pem_decoding_like_go() {
    let (t, bytes) =
        pem_decode("junk\n-----BEGIN A B-----\nAQID\n-----END A B-----\ntrailer").unwrap();
    assert_eq!((t.as_str(), bytes.as_slice()), ("A B", &[1u8, 2, 3][..]));
    // Headers are skipped, CRLF and tabs tolerated.
    let (_, bytes) =
        pem_decode("-----BEGIN X-----\r\nProc-Type: 4\r\n\r\nAQ\tID\r\n-----END X-----").unwrap();
    assert_eq!(bytes, [1, 2, 3]);
    assert!(pem_decode("-----BEGIN X-----\nAQID\n").is_none());
}

#[test]
fn non_rsa_is_refused() {
    // A minimal self-signed certificate structure with an Ed25519 key (signature not checked).
    let spki = [
        0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
    ]
    .iter()
    .copied()
    .chain(std::iter::repeat_n(0x11u8, 32))
    .collect::<Vec<u8>>();
    let name = [
        0x30, 0x0c, 0x31, 0x0a, 0x30, 0x08, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x01, b'x',
    ];
    let alg = [0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70];
    let validity = {
        let mut v = vec![0x30, 0x1e, 0x17, 0x0d];
        v.extend_from_slice(b"220101000000Z");
        v.extend_from_slice(&[0x17, 0x0d]);
        v.extend_from_slice(b"230101000000Z");
        v
    };
    let mut tbs_body = vec![0x02, 0x01, 0x01];
    tbs_body.extend_from_slice(&alg);
    tbs_body.extend_from_slice(&name);
    tbs_body.extend_from_slice(&validity);
    tbs_body.extend_from_slice(&name);
    tbs_body.extend_from_slice(&spki);
    let mut tbs = vec![0x30, tbs_body.len() as u8];
    tbs.extend_from_slice(&tbs_body);
    let mut body = tbs.clone();
    body.extend_from_slice(&alg);
    body.extend_from_slice(&[0x03, 0x03, 0x00, 0xaa, 0xbb]);
    let mut cert = vec![0x30, 0x81, body.len() as u8];
    cert.extend_from_slice(&body);
    let pem = format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        base64::engine::general_purpose::STANDARD.encode(&cert)
    );
    assert_eq!(
        err("x509_decode", &[Value::from(pem)]),
        "certificate should use rsa algorithm"
    );
}

/// A tiny DER writer for building test certificates.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else if n < 0x100 {
        out.extend_from_slice(&[0x81, n as u8]);
    } else {
        out.extend_from_slice(&[0x82, (n >> 8) as u8, n as u8]);
    }
    out.extend_from_slice(content);
    out
}

fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

fn oid(arcs: &[u64]) -> Vec<u8> {
    let mut body = vec![(arcs[0] * 40 + arcs[1]) as u8];
    for &a in &arcs[2..] {
        let mut groups = vec![(a & 0x7f) as u8];
        let mut v = a >> 7;
        while v > 0 {
            groups.push((v & 0x7f) as u8 | 0x80);
            v >>= 7;
        }
        groups.reverse();
        body.extend(groups);
    }
    tlv(0x06, &body)
}

fn ext(id: &[u64], critical: bool, value: Vec<u8>) -> Vec<u8> {
    let mut parts = vec![oid(id)];
    if critical {
        parts.push(vec![0x01, 0x01, 0xff]);
    }
    parts.push(tlv(0x04, &value));
    seq(&parts)
}

fn test_certificate(extensions: Vec<Vec<u8>>) -> String {
    let rsa_alg = seq(&[oid(&[1, 2, 840, 113549, 1, 1, 1]), vec![0x05, 0x00]]);
    let key = seq(&[
        tlv(0x02, &[0x00, 0xc3, 0x5a, 0x11, 0x07]),
        tlv(0x02, &[0x01, 0x00, 0x01]),
    ]);
    let mut bits = vec![0x00];
    bits.extend(key);
    let spki = seq(&[rsa_alg, tlv(0x03, &bits)]);
    let sig_alg = seq(&[oid(&[1, 2, 840, 113549, 1, 1, 11]), vec![0x05, 0x00]]);
    let name = seq(&[tlv(0x31, &seq(&[oid(&[2, 5, 4, 3]), tlv(0x0c, b"test")]))]);
    let validity = seq(&[tlv(0x17, b"240101000000Z"), tlv(0x18, b"20991231235959Z")]);
    let tbs = seq(&[
        tlv(0xa0, &[0x02, 0x01, 0x02]),
        tlv(0x02, &[0x05]),
        sig_alg.clone(),
        name.clone(),
        validity,
        name,
        spki,
        tlv(0xa3, &seq(&extensions)),
    ]);
    let cert = seq(&[tbs, sig_alg, tlv(0x03, &[0x00, 0xde, 0xad])]);
    format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        base64::engine::general_purpose::STANDARD.encode(cert)
    )
}

#[test]
fn extensions_like_go() {
    let ip6 = {
        let mut v = vec![0u8; 15];
        v.push(1);
        v
    };
    let pem = test_certificate(vec![
        ext(
            &[2, 5, 29, 17],
            false,
            seq(&[
                tlv(0x82, b"example.com"),
                tlv(0x81, b"a@b.c"),
                tlv(0x87, &[10, 0, 0, 1]),
                tlv(0x87, &ip6),
                tlv(0x86, b"https://user@x.example:8443/p%20q?y=1#f"),
            ]),
        ),
        ext(
            &[2, 5, 29, 37],
            false,
            seq(&[oid(&[1, 3, 6, 1, 5, 5, 7, 3, 1]), oid(&[1, 2, 3, 4])]),
        ),
        ext(&[2, 5, 29, 35], false, seq(&[tlv(0x80, &[1, 2])])),
        ext(
            &[1, 3, 6, 1, 5, 5, 7, 1, 1],
            false,
            seq(&[
                seq(&[
                    oid(&[1, 3, 6, 1, 5, 5, 7, 48, 1]),
                    tlv(0x86, b"http://ocsp"),
                ]),
                seq(&[oid(&[1, 3, 6, 1, 5, 5, 7, 48, 2]), tlv(0x86, b"http://ca")]),
            ]),
        ),
        ext(
            &[2, 5, 29, 31],
            false,
            seq(&[seq(&[tlv(0xa0, &tlv(0xa0, &tlv(0x86, b"http://crl")))])]),
        ),
        ext(
            &[2, 5, 29, 32],
            false,
            seq(&[seq(&[oid(&[2, 5, 29, 32, 0])])]),
        ),
        ext(
            &[2, 5, 29, 19],
            true,
            seq(&[vec![0x01, 0x01, 0xff], vec![0x02, 0x01, 0x00]]),
        ),
        ext(
            &[2, 5, 29, 30],
            false,
            seq(&[
                tlv(0xa0, &seq(&[tlv(0x82, b".example.com")])),
                tlv(0xa1, &seq(&[tlv(0x87, &[10, 0, 0, 0, 255, 0, 0, 0])])),
            ]),
        ),
        ext(&[2, 5, 29, 15], true, vec![0x03, 0x02, 0x05, 0xa0]),
        ext(&[1, 2, 3, 5], true, vec![0x05, 0x00]),
    ]);
    let got = decode(&pem);
    let want = j(r#"{
        "Version": 3, "SerialNumber": 5, "SignatureAlgorithm": 4, "PublicKeyAlgorithm": 1,
        "PublicKey": {"N": "3277459719", "E": 65537},
        "NotBefore": "2024-01-01T00:00:00Z", "NotAfter": "2099-12-31T23:59:59Z",
        "DNSNames": ["example.com"], "EmailAddresses": ["a@b.c"],
        "IPAddresses": ["10.0.0.1", "::1"],
        "URIs": [{"Scheme": "https", "Opaque": "", "User": {}, "Host": "x.example:8443",
                  "Path": "/p q", "RawPath": "", "OmitHost": false, "ForceQuery": false,
                  "RawQuery": "y=1", "Fragment": "f", "RawFragment": ""}],
        "ExtKeyUsage": [1], "UnknownExtKeyUsage": [[1, 2, 3, 4]],
        "AuthorityKeyId": "AQI=", "SubjectKeyId": null,
        "OCSPServer": ["http://ocsp"], "IssuingCertificateURL": ["http://ca"],
        "CRLDistributionPoints": ["http://crl"],
        "PolicyIdentifiers": [[2, 5, 29, 32, 0]], "Policies": ["2.5.29.32.0"],
        "BasicConstraintsValid": true, "IsCA": true, "MaxPathLen": 0, "MaxPathLenZero": true,
        "PermittedDNSDomainsCritical": false, "PermittedDNSDomains": [".example.com"],
        "ExcludedIPRanges": [{"IP": "10.0.0.0", "Mask": "/wAAAA=="}],
        "PermittedIPRanges": null, "ExcludedDNSDomains": null,
        "KeyUsage": 5, "Signature": "3q0=",
        "UnhandledCriticalExtensions": [[1, 2, 3, 5]]
    }"#);
    for (key, value) in want.as_object().unwrap() {
        assert_eq!(got.get(key), Some(value), "field {key}");
    }
    assert_eq!(
        got.get("Extensions")
            .and_then(Value::as_array)
            .map(<[Value]>::len),
        Some(10)
    );
}

#[test]
fn extension_errors_like_go() {
    let dup = test_certificate(vec![
        ext(&[2, 5, 29, 14], false, tlv(0x04, &[1])),
        ext(&[2, 5, 29, 14], false, tlv(0x04, &[2])),
    ]);
    assert_eq!(
        err("x509_decode", &[Value::from(dup)]),
        "x509: certificate contains duplicate extension with OID \"2.5.29.14\""
    );
    let critical_skid = test_certificate(vec![ext(&[2, 5, 29, 14], true, tlv(0x04, &[1]))]);
    assert_eq!(
        err("x509_decode", &[Value::from(critical_skid)]),
        "x509: subject key identifier incorrectly marked critical"
    );
    let bad_ip = test_certificate(vec![ext(
        &[2, 5, 29, 17],
        false,
        seq(&[tlv(0x87, &[1, 2, 3])]),
    )]);
    assert_eq!(
        err("x509_decode", &[Value::from(bad_ip)]),
        "x509: cannot parse IP address of length 3"
    );
    let bad_usage = test_certificate(vec![ext(&[2, 5, 29, 15], true, vec![0x04, 0x00])]);
    assert_eq!(
        err("x509_decode", &[Value::from(bad_usage)]),
        "x509: invalid key usage"
    );
}
