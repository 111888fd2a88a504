use crate::cel::functions::LibrarySet;
use crate::cel::{Bindings, Env, Program};

fn eval(src: &str) -> Result<String, String> {
    // Kubernetes' libraries are in its own environment too.
    let env = Env {
        libraries: LibrarySet::KUBERNETES,
        ..Env::fixed()
    };
    let p = Program::compile(src).expect("parses");
    p.eval(&Bindings::new(), &env)
        .map(|v| crate::jmespath::json::to_go_json(&v.to_json()))
        .map_err(|e| e.message)
}

fn ok(src: &str, want: &str) {
    assert_eq!(eval(src), Ok(want.to_string()), "{src}");
}

fn err(src: &str, want: &str) {
    assert_eq!(eval(src), Err(want.to_string()), "{src}");
}

#[test]
fn quantities() {
    ok("quantity('1.5Gi')", "\"1536Mi\"");
    ok("quantity('500m') == quantity('0.5')", "true");
    ok("quantity('1Gi') == quantity('1G')", "false");
    ok("isQuantity('20')", "true");
    ok("isQuantity('20M')", "true");
    ok("isQuantity('20Mi')", "true");
    ok("isQuantity('abc')", "false");
    ok("isQuantity('20Mb')", "false");
    err(
        "quantity('Four')",
        "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
    );
    ok("quantity('50k').sign()", "1");
    ok("quantity('-50k').sign()", "-1");
    ok("quantity('0').sign()", "0");
    ok("quantity('50k').isGreaterThan(quantity('50M'))", "false");
    ok("quantity('50Mi').isGreaterThan(quantity('50M'))", "true");
    ok("quantity('50M').isLessThan(quantity('50Mi'))", "true");
    ok("quantity('50M').compareTo(quantity('50Mi'))", "-1");
    ok("quantity('200M').compareTo(quantity('0.2G'))", "0");
    ok("quantity('50k').add(quantity('20'))", "\"50020\"");
    ok("quantity('50k').add(20)", "\"50020\"");
    ok("quantity('50k').sub(quantity('20'))", "\"49980\"");
    ok("quantity('50k').sub(20)", "\"49980\"");
    ok(
        "quantity('50k').add(quantity('20')).sub(quantity('20')) == quantity('50k')",
        "true",
    );
    ok("quantity('50k').asInteger()", "50000");
    ok("quantity('50k').isInteger()", "true");
    ok("quantity('9223372036854775808').isInteger()", "false");
    ok("quantity('50m').isInteger()", "false");
    err(
        "quantity('50m').asInteger()",
        "cannot convert value to integer",
    );
    ok("quantity('50.703k').asApproximateFloat()", "50703");
    ok("quantity('5Ki').asApproximateFloat()", "5120");
    // No `<` on quantities, as in Kubernetes.
    err("quantity('1') < quantity('2')", "no such overload");
}

#[test]
fn semantic_versions() {
    ok("isSemver('1.0.0')", "true");
    ok("isSemver('v1.0.0')", "false");
    ok("isSemver('v1.0', true)", "true");
    ok("isSemver('1.0.0-alpha+001')", "true");
    ok("isSemver('01.0.0')", "false");
    ok("isSemver('01.02.03', true)", "true");
    ok("semver('v1.2', true).minor()", "2");
    ok("semver('v1.2', true).patch()", "0");
    ok("semver('1.2.3').major()", "1");
    ok("semver('1.2.3').minor()", "2");
    ok("semver('1.2.3').patch()", "3");
    ok("semver('1.2.3') == semver('1.2.3+build')", "true");
    ok("semver('1.2.3').isGreaterThan(semver('1.2.2'))", "true");
    ok("semver('1.2.3-alpha').isLessThan(semver('1.2.3'))", "true");
    ok("semver('1.2.3').compareTo(semver('2.0.0'))", "-1");
    ok("semver('2.0.0').compareTo(semver('2.0.0'))", "0");
    err("semver('1.2')", "No Major.Minor.Patch elements found");
    err(
        "semver('v1.0.0')",
        "Invalid character(s) found in major number \"v1\"",
    );
}

#[test]
fn ip_addresses() {
    ok("isIP('1.2.3.4')", "true");
    ok("isIP('2001:db8::1')", "true");
    ok("isIP('1.2.3')", "false");
    ok("isIP('01.2.3.4')", "false");
    ok("isIP('fe80::1%eth0')", "false");
    ok("isIP('::ffff:1.2.3.4')", "false");
    ok("ip('1.2.3.4').family()", "4");
    ok("ip('::1').family()", "6");
    ok("ip('::1') == ip('0:0:0:0:0:0:0:1')", "true");
    ok("ip.isCanonical('2001:db8::1')", "true");
    ok("ip.isCanonical('2001:DB8::1')", "false");
    ok("ip.isCanonical('2001:db8:0:0:0:0:0:1')", "false");
    ok("ip('0.0.0.0').isUnspecified()", "true");
    ok("ip('::').isUnspecified()", "true");
    ok("ip('127.0.0.1').isLoopback()", "true");
    ok("ip('127.0.0.2').isLoopback()", "true");
    ok("ip('::1').isLoopback()", "true");
    ok("ip('224.0.0.1').isLinkLocalMulticast()", "true");
    ok("ip('224.0.1.1').isLinkLocalMulticast()", "false");
    ok("ip('ff02::1').isLinkLocalMulticast()", "true");
    ok("ip('169.254.169.254').isLinkLocalUnicast()", "true");
    ok("ip('fe80::1').isLinkLocalUnicast()", "true");
    ok("ip('192.168.0.1').isGlobalUnicast()", "true");
    ok("ip('255.255.255.255').isGlobalUnicast()", "false");
    ok("ip('2001:db8::1').isGlobalUnicast()", "true");
    ok("ip('ff00::1').isGlobalUnicast()", "false");
    err(
        "ip('1.2.3')",
        "IP Address \"1.2.3\" parse error during conversion from string: ParseAddr(\"1.2.3\"): unable to parse IP",
    );
    err(
        "ip('fe80::1%eth0')",
        "IP address \"fe80::1%eth0\" with zone value is not allowed",
    );
    err(
        "ip('::ffff:1.2.3.4')",
        "IPv4-mapped IPv6 address \"::ffff:1.2.3.4\" is not allowed",
    );
}

#[test]
fn cidrs() {
    ok("isCIDR('10.0.0.0/8')", "true");
    ok("isCIDR('10.0.0.0/33')", "false");
    ok("isCIDR('10.0.0.0/08')", "false");
    ok("isCIDR('10.0.0.0')", "false");
    ok("isCIDR('2001:db8::/32')", "true");
    ok(
        "cidr('192.168.0.0/24').containsIP(ip('192.168.0.1'))",
        "true",
    );
    ok("cidr('192.168.0.0/24').containsIP('192.168.1.1')", "false");
    ok("cidr('192.168.0.0/24').containsIP('::1')", "false");
    ok(
        "cidr('192.168.0.0/16').containsCIDR(cidr('192.168.10.0/24'))",
        "true",
    );
    ok(
        "cidr('192.168.0.0/24').containsCIDR('192.168.0.0/16')",
        "false",
    );
    ok(
        "cidr('192.168.0.0/24').containsCIDR('192.168.0.0/24')",
        "true",
    );
    ok("cidr('192.168.1.5/24').ip()", "\"192.168.1.5\"");
    ok("cidr('192.168.1.5/24').masked()", "\"192.168.1.0/24\"");
    ok(
        "cidr('192.168.1.5/24').masked() == cidr('192.168.1.0/24')",
        "true",
    );
    ok("cidr('192.168.1.5/24') == cidr('192.168.1.0/24')", "false");
    ok("cidr('2001:db8::1/64').masked()", "\"2001:db8::/64\"");
    ok("cidr('10.0.0.0/8').prefixLength()", "8");
    ok("string(cidr('2001:DB8::/32'))", "\"2001:db8::/32\"");
    ok("string(ip('2001:DB8::1'))", "\"2001:db8::1\"");
    ok("string(1)", "\"1\"");
    ok("cidr('0.0.0.0/0').containsIP('8.8.8.8')", "true");
    err(
        "cidr('10.0.0.0/33')",
        "network address \"10.0.0.0/33\" parse error during conversion from string: netip.ParsePrefix(\"10.0.0.0/33\"): bad prefix",
    );
}
