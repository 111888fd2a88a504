//! `validate.podSecurity`: the Pod Security Standards checks, as Kyverno runs them
//! (`pkg/pss/evaluate.go` over its fork of `k8s.io/pod-security-admission`).
//!
//! Pipeline: extract `(metadata, podSpec)` from a Pod or pod controller, parse level/version,
//! run every selected check (baseline drops the restricted ones; no overrides, no privileged
//! short-circuit), apply the rule's `exclude[]` entries, and print what is left the way
//! Kyverno does. See `/work/shared/kyverno-notes/pod-security.md`.
//!
//! The caller (the validate pipeline) owns: DELETE (no response), PolicyExceptions without
//! `podSecurity` (skip before evaluating), and turning the outcome into a rule response with
//! [`failure_message`].

use super::Value;

/// The outcome of `podSecurity` on one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PssOutcome {
    Pass,
    /// `level_version` is `<level>:<version>` with the raw policy strings (`restricted:latest`,
    /// `baseline:` when the version is omitted); `violations` holds one pre-formatted
    /// `(Forbidden reason: <reason>, field error list: [<errors>])` per failing check, field paths
    /// already rewritten for the resource's kind. [`failure_message`] joins them (no separator)
    /// into Kyverno's message.
    Fail {
        level_version: String,
        violations: Vec<String>,
    },
    /// An empty resource (nothing to evaluate): no response.
    NotApplicable,
    /// The rule errors; `message` is Kyverno's full message (`Error while getting new resource: ...`
    /// or `failed to parse pod security api version: ...`).
    Error {
        message: String,
    },
}

/// Evaluates `podSecurity` (`{level, version, exclude}`) on a Pod or pod-controller resource.
pub fn evaluate(pod_security: &Value, resource: &Value) -> PssOutcome {
    evaluate_with_exceptions(pod_security, resource, &[]).unwrap_or(PssOutcome::Pass)
}

/// Like [`evaluate`], then — only when the rule fails — applies the `exclude`-style entries of
/// the matched PolicyExceptions' `spec.podSecurity` (all exceptions' lists concatenated, in
/// order; each element is one `{controlName, images, restrictedField, values}` entry).
///
/// Returns `None` when the rule failed but the exceptions removed every failing check: the
/// caller then reports `skip` with `rule is skipped due to policy exceptions <ns/name>, ...`.
pub fn evaluate_with_exceptions(
    pod_security: &Value,
    resource: &Value,
    exception_entries: &[Value],
) -> Option<PssOutcome> {
    if is_empty_resource(resource) {
        return Some(PssOutcome::NotApplicable);
    }
    let kind = resource.get_str_field("kind").unwrap_or("");
    let extracted = match extract(resource) {
        Ok(x) => x,
        Err(e) => {
            return Some(PssOutcome::Error {
                message: format!("Error while getting new resource: {e}"),
            });
        }
    };
    let level = match field(pod_security, "level") {
        Some(Value::String(s)) => s.to_string(),
        _ => String::new(),
    };
    let version_raw = match field(pod_security, "version") {
        None => String::new(),
        Some(Value::String(s)) => s.to_string(),
        Some(_) => return Some(version_error()),
    };
    let version = match parse_version(&version_raw) {
        Some(v) => v,
        None => return Some(version_error()),
    };
    let ctx = Ctx {
        baseline_only: level == "baseline",
        version,
    };
    let pod = Pod {
        meta: extracted.0,
        spec: extracted.1,
    };
    let mut results = run_checks(&ctx, &pod);
    let excludes: Vec<Value> = field(pod_security, "exclude")
        .and_then(Value::as_array)
        .map(|a| a.to_vec())
        .unwrap_or_default();
    for ex in &excludes {
        apply_exclude(&ctx, &pod, &mut results, ex);
    }
    if results.is_empty() {
        return Some(PssOutcome::Pass);
    }
    if !exception_entries.is_empty() {
        for ex in exception_entries {
            apply_exclude(&ctx, &pod, &mut results, ex);
        }
        if results.is_empty() {
            return None;
        }
    }
    let violations = results.iter().map(|r| format_check(r, kind)).collect();
    Some(PssOutcome::Fail {
        level_version: format!("{level}:{version_raw}"),
        violations,
    })
}

/// Kyverno's rule-response message for an outcome:
/// - `Fail`: `Validation rule '<rule>' failed. It violates PodSecurity "<level>:<version>": <violations>`
///   (`validate.message` is ignored by Kyverno for podSecurity);
/// - `Pass`: `Validation rule '<rule>' passed.`;
/// - `Error`: the error message; `NotApplicable`: empty (no response is produced).
pub fn failure_message(rule_name: &str, outcome: &PssOutcome) -> String {
    match outcome {
        PssOutcome::Fail {
            level_version,
            violations,
        } => format!(
            "Validation rule '{rule_name}' failed. It violates PodSecurity \"{level_version}\": {}",
            violations.concat()
        ),
        PssOutcome::Pass => format!("Validation rule '{rule_name}' passed."),
        PssOutcome::Error { message } => message.clone(),
        PssOutcome::NotApplicable => String::new(),
    }
}

fn version_error() -> PssOutcome {
    PssOutcome::Error {
        message: "failed to parse pod security api version: must be \"latest\" or \"v1.x\"".into(),
    }
}

// ---------------------------------------------------------------------------------------------
// Value helpers (Go semantics: a null field is an absent pointer).

trait ValueExt {
    fn get_str_field(&self, key: &str) -> Option<&str>;
}

impl ValueExt for Value {
    fn get_str_field(&self, key: &str) -> Option<&str> {
        field(self, key).and_then(Value::as_str)
    }
}

fn field<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    match v.as_object().and_then(|o| o.get(key)) {
        None | Some(Value::Null) => None,
        Some(x) => Some(x),
    }
}

/// A null at the end of the path counts as absent, as the API server prunes nulls.
fn get<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    v.at(path).filter(|x| !matches!(x, Value::Null))
}

fn get_bool(v: &Value, path: &[&str]) -> Option<bool> {
    match get(v, path) {
        Some(Value::Bool(b)) => Some(*b),
        _ => None,
    }
}

fn get_str<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    get(v, path).and_then(Value::as_str)
}

fn get_int(v: &Value, path: &[&str]) -> Option<i64> {
    get(v, path).and_then(Value::as_f64).map(|n| n as i64)
}

fn arr<'a>(v: &'a Value, path: &[&str]) -> &'a [Value] {
    get(v, path).and_then(Value::as_array).unwrap_or(&[])
}

fn str_list(v: &Value, path: &[&str]) -> Vec<String> {
    arr(v, path)
        .iter()
        .map(|x| match x {
            Value::String(s) => s.to_string(),
            _ => String::new(),
        })
        .collect()
}

fn is_empty_resource(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------------
// Resource extraction (`getSpec`) with a light version of Go's typed decoding errors.

const TEMPLATE_KINDS: [&str; 6] = [
    "Deployment",
    "DaemonSet",
    "StatefulSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
];

fn extract(resource: &Value) -> Result<(Value, Value), String> {
    let kind = resource.get_str_field("kind").unwrap_or("");
    let (meta, spec, prefix) = if kind == "Pod" {
        (
            field(resource, "metadata").cloned(),
            field(resource, "spec").cloned(),
            "Pod".to_string(),
        )
    } else if TEMPLATE_KINDS.contains(&kind) {
        check_object(resource, &["spec"], kind)?;
        check_object(resource, &["spec", "template"], kind)?;
        (
            get(resource, &["spec", "template", "metadata"]).cloned(),
            get(resource, &["spec", "template", "spec"]).cloned(),
            format!("{kind}.spec.template"),
        )
    } else if kind == "CronJob" {
        check_object(resource, &["spec"], kind)?;
        check_object(resource, &["spec", "jobTemplate"], kind)?;
        check_object(resource, &["spec", "jobTemplate", "spec"], kind)?;
        check_object(resource, &["spec", "jobTemplate", "spec", "template"], kind)?;
        (
            get(resource, &["spec", "jobTemplate", "metadata"]).cloned(),
            get(
                resource,
                &["spec", "jobTemplate", "spec", "template", "spec"],
            )
            .cloned(),
            "CronJob.spec.jobTemplate.spec.template".to_string(),
        )
    } else {
        return Err("could not find correct resource type".into());
    };
    let meta = meta.unwrap_or_else(|| Value::object(Default::default()));
    let spec = spec.unwrap_or_else(|| Value::object(Default::default()));
    if !matches!(meta, Value::Object(_)) {
        return Err(unmarshal_err(
            &meta,
            &format!("{prefix}.metadata"),
            "v1.ObjectMeta",
        ));
    }
    if !matches!(spec, Value::Object(_)) {
        return Err(unmarshal_err(
            &spec,
            &format!("{prefix}.spec"),
            "v1.PodSpec",
        ));
    }
    validate_spec_types(&spec, &format!("{prefix}.spec"))?;
    if let Some(a) = field(&meta, "annotations") {
        let ok = a.as_object().is_some_and(|o| {
            o.values()
                .all(|v| matches!(v, Value::String(_) | Value::Null))
        });
        if !ok {
            let bad = a
                .as_object()
                .and_then(|o| {
                    o.values()
                        .find(|v| !matches!(v, Value::String(_) | Value::Null))
                })
                .unwrap_or(a);
            let ty = if a.as_object().is_some() {
                "string"
            } else {
                "map[string]string"
            };
            return Err(unmarshal_err(
                bad,
                &format!("{prefix}.metadata.annotations"),
                ty,
            ));
        }
    }
    Ok((meta, spec))
}

fn check_object(resource: &Value, path: &[&str], kind: &str) -> Result<(), String> {
    let Some(v) = get(resource, path) else {
        return Ok(());
    };
    if matches!(v, Value::Object(_)) {
        return Ok(());
    }
    let go_type = match path {
        ["spec"] => format!("v1.{kind}Spec"),
        [.., "jobTemplate"] => "v1.JobTemplateSpec".to_string(),
        [.., "jobTemplate", "spec"] => "v1.JobSpec".to_string(),
        _ => "v1.PodTemplateSpec".to_string(),
    };
    Err(unmarshal_err(
        v,
        &format!("{kind}.{}", path.join(".")),
        &go_type,
    ))
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn unmarshal_err(v: &Value, path: &str, go_type: &str) -> String {
    format!(
        "json: cannot unmarshal {} into Go struct field {path} of type {go_type}",
        json_type(v)
    )
}

/// Type-checks the pod-spec fields the checks read (approximation of Go's decoding errors).
fn validate_spec_types(spec: &Value, p: &str) -> Result<(), String> {
    fn expect(v: Option<&Value>, path: &str, want: &str, go_type: &str) -> Result<(), String> {
        let Some(v) = v else { return Ok(()) };
        let ok = match want {
            "object" => matches!(v, Value::Object(_)),
            "array" => matches!(v, Value::Array(_)),
            "bool" => matches!(v, Value::Bool(_)),
            "string" => matches!(v, Value::String(_)),
            "int" => matches!(v, Value::Number(_)),
            _ => true,
        };
        if ok {
            if want == "int" {
                if let Value::Number(n) = v {
                    if n.fract() != 0.0 {
                        return Err(format!(
                            "json: cannot unmarshal number {} into Go struct field {path} of type {go_type}",
                            crate::jmespath::json::go_float(*n)
                        ));
                    }
                }
            }
            Ok(())
        } else {
            Err(unmarshal_err(v, path, go_type))
        }
    }
    fn check_sc(sc: Option<&Value>, p: &str, pod: bool) -> Result<(), String> {
        let ty = if pod {
            "v1.PodSecurityContext"
        } else {
            "v1.SecurityContext"
        };
        expect(sc, p, "object", ty)?;
        let Some(sc) = sc else { return Ok(()) };
        for b in ["runAsNonRoot", "privileged", "allowPrivilegeEscalation"] {
            expect(field(sc, b), &format!("{p}.{b}"), "bool", "bool")?;
        }
        expect(
            field(sc, "runAsUser"),
            &format!("{p}.runAsUser"),
            "int",
            "int64",
        )?;
        expect(
            field(sc, "procMount"),
            &format!("{p}.procMount"),
            "string",
            "v1.ProcMountType",
        )?;
        expect(
            field(sc, "capabilities"),
            &format!("{p}.capabilities"),
            "object",
            "v1.Capabilities",
        )?;
        for l in ["add", "drop"] {
            let v = get(sc, &["capabilities", l]);
            expect(
                v,
                &format!("{p}.capabilities.{l}"),
                "array",
                "[]v1.Capability",
            )?;
            for x in v.and_then(Value::as_array).unwrap_or(&[]) {
                if !matches!(x, Value::String(_) | Value::Null) {
                    return Err(unmarshal_err(
                        x,
                        &format!("{p}.capabilities.{l}"),
                        "v1.Capability",
                    ));
                }
            }
        }
        for (o, t) in [
            ("seccompProfile", "v1.SeccompProfile"),
            ("appArmorProfile", "v1.AppArmorProfile"),
            ("seLinuxOptions", "v1.SELinuxOptions"),
            ("windowsOptions", "v1.WindowsSecurityContextOptions"),
        ] {
            expect(field(sc, o), &format!("{p}.{o}"), "object", t)?;
        }
        expect(
            get(sc, &["windowsOptions", "hostProcess"]),
            &format!("{p}.windowsOptions.hostProcess"),
            "bool",
            "bool",
        )?;
        if pod {
            expect(
                field(sc, "sysctls"),
                &format!("{p}.sysctls"),
                "array",
                "[]v1.Sysctl",
            )?;
        }
        Ok(())
    }
    for b in ["hostNetwork", "hostPID", "hostIPC"] {
        expect(field(spec, b), &format!("{p}.{b}"), "bool", "bool")?;
    }
    check_sc(
        field(spec, "securityContext"),
        &format!("{p}.securityContext"),
        true,
    )?;
    expect(
        field(spec, "volumes"),
        &format!("{p}.volumes"),
        "array",
        "[]v1.Volume",
    )?;
    for v in arr(spec, &["volumes"]) {
        expect(Some(v), &format!("{p}.volumes"), "object", "v1.Volume")?;
    }
    for (list, ty) in [
        ("initContainers", "v1.Container"),
        ("containers", "v1.Container"),
        ("ephemeralContainers", "v1.EphemeralContainer"),
    ] {
        expect(
            field(spec, list),
            &format!("{p}.{list}"),
            "array",
            &format!("[]{ty}"),
        )?;
        for c in arr(spec, &[list]) {
            expect(Some(c), &format!("{p}.{list}"), "object", ty)?;
            let cp = format!("{p}.{list}");
            expect(field(c, "name"), &format!("{cp}.name"), "string", "string")?;
            expect(
                field(c, "image"),
                &format!("{cp}.image"),
                "string",
                "string",
            )?;
            check_sc(
                field(c, "securityContext"),
                &format!("{cp}.securityContext"),
                false,
            )?;
            expect(
                field(c, "ports"),
                &format!("{cp}.ports"),
                "array",
                "[]v1.ContainerPort",
            )?;
            for port in arr(c, &["ports"]) {
                expect(
                    Some(port),
                    &format!("{cp}.ports"),
                    "object",
                    "v1.ContainerPort",
                )?;
                expect(
                    field(port, "hostPort"),
                    &format!("{cp}.ports.hostPort"),
                    "int",
                    "int32",
                )?;
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Checks.

/// A requested version as a v1 minor; `u32::MAX` is `latest`.
type Minor = u32;
const LATEST: Minor = u32::MAX;

fn parse_version(v: &str) -> Option<Minor> {
    if v.is_empty() || v == "latest" {
        return Some(LATEST);
    }
    let rest = v.strip_prefix("v1.")?;
    if rest.is_empty() || !rest.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if rest.len() > 1 && rest.starts_with('0') {
        return None;
    }
    let n: u64 = rest.parse().ok()?;
    Some(n.min(u64::from(LATEST - 1)) as Minor)
}

struct Ctx {
    baseline_only: bool,
    version: Minor,
}

#[derive(Clone)]
struct Pod {
    meta: Value,
    spec: Value,
}

#[derive(Debug, Clone, PartialEq)]
enum Bad {
    Str(String),
    Bool(bool),
    Int(i64),
    List(Vec<String>),
}

impl Bad {
    fn print(&self) -> String {
        match self {
            Bad::Str(s) => s.clone(),
            Bad::Bool(b) => b.to_string(),
            Bad::Int(n) => n.to_string(),
            Bad::List(l) => format!("[{}]", l.join(" ")),
        }
    }

    fn values(&self) -> Vec<String> {
        match self {
            Bad::Str(s) if s.is_empty() => vec![],
            Bad::Str(s) => vec![s.clone()],
            Bad::Bool(b) => vec![b.to_string()],
            Bad::Int(n) => vec![n.to_string()],
            Bad::List(l) => l.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
struct FieldErr {
    required: bool,
    field: String,
    bad: Bad,
}

fn forbidden(field: String, bad: Bad) -> FieldErr {
    FieldErr {
        required: false,
        field,
        bad,
    }
}

fn required(field: String) -> FieldErr {
    FieldErr {
        required: true,
        field,
        bad: Bad::Str(String::new()),
    }
}

#[derive(Debug, Clone, PartialEq)]
struct CheckResult {
    id: &'static str,
    reason: String,
    errors: Vec<FieldErr>,
}

type CheckFn = fn(&Pod, Minor) -> Option<(String, Vec<FieldErr>)>;

/// `policy.DefaultChecks()` in registration order: (id, restricted-level, check).
const CHECKS: [(&str, bool, CheckFn); 18] = [
    (
        "allowPrivilegeEscalation",
        true,
        check_allow_privilege_escalation,
    ),
    ("appArmorProfile", false, check_app_armor),
    ("capabilities_baseline", false, check_capabilities_baseline),
    (
        "capabilities_restricted",
        true,
        check_capabilities_restricted,
    ),
    ("hostNamespaces", false, check_host_namespaces),
    ("hostPathVolumes", false, check_host_path_volumes),
    ("hostPorts", false, check_host_ports),
    ("hostProbesAndHostLifecycle", false, check_host_probes),
    ("privileged", false, check_privileged),
    ("procMount", false, check_proc_mount),
    ("restrictedVolumes", true, check_restricted_volumes),
    ("runAsNonRoot", true, check_run_as_non_root),
    ("runAsUser", true, check_run_as_user),
    ("seLinuxOptions", false, check_selinux),
    ("seccompProfile_baseline", false, check_seccomp_baseline),
    ("seccompProfile_restricted", true, check_seccomp_restricted),
    ("sysctls", false, check_sysctls),
    ("windowsHostProcess", false, check_windows_host_process),
];

fn run_checks(ctx: &Ctx, pod: &Pod) -> Vec<CheckResult> {
    let mut out = Vec::new();
    for (id, restricted, f) in CHECKS {
        if ctx.baseline_only && restricted {
            continue;
        }
        if let Some((reason, errors)) = f(pod, ctx.version) {
            out.push(CheckResult { id, reason, errors });
        }
    }
    out
}

/// Containers in visiting order with their field-path prefix (`spec.containers[0]`).
fn containers(spec: &Value) -> Vec<(String, &Value)> {
    let mut out = Vec::new();
    for list in ["initContainers", "containers", "ephemeralContainers"] {
        for (i, c) in arr(spec, &[list]).iter().enumerate() {
            out.push((format!("spec.{list}[{i}]"), c));
        }
    }
    out
}

fn is_windows(pod: &Pod) -> bool {
    get_str(&pod.spec, &["os", "name"]) == Some("windows")
}

fn fail(reason: &str, errors: Vec<FieldErr>) -> Option<(String, Vec<FieldErr>)> {
    Some((reason.to_string(), errors))
}

fn sorted_unique(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}

fn check_allow_privilege_escalation(pod: &Pod, v: Minor) -> Option<(String, Vec<FieldErr>)> {
    if v >= 25 && is_windows(pod) {
        return None;
    }
    let mut errs = Vec::new();
    for (p, c) in containers(&pod.spec) {
        let path = format!("{p}.securityContext.allowPrivilegeEscalation");
        match field(c, "securityContext") {
            None => errs.push(required(path)),
            Some(sc) => match get_bool(sc, &["allowPrivilegeEscalation"]) {
                Some(false) => {}
                Some(true) => errs.push(forbidden(path, Bad::Bool(true))),
                None => errs.push(forbidden(path, Bad::Str("nil".into()))),
            },
        }
    }
    if errs.is_empty() {
        None
    } else {
        fail("allowPrivilegeEscalation != false", errs)
    }
}

fn check_app_armor(pod: &Pod, _: Minor) -> Option<(String, Vec<FieldErr>)> {
    fn bad_type(profile: &Value) -> Option<String> {
        let t = get_str(profile, &["type"]).unwrap_or("");
        if t == "RuntimeDefault" || t == "Localhost" {
            None
        } else {
            Some(t.to_string())
        }
    }
    let mut errs = Vec::new();
    let mut types = Vec::new();
    if let Some(p) = get(&pod.spec, &["securityContext", "appArmorProfile"]) {
        if let Some(t) = bad_type(p) {
            errs.push(forbidden(
                "spec.securityContext.appArmorProfile.type".into(),
                Bad::Str(t.clone()),
            ));
            types.push(t);
        }
    }
    for (p, c) in containers(&pod.spec) {
        if let Some(prof) = get(c, &["securityContext", "appArmorProfile"]) {
            if let Some(t) = bad_type(prof) {
                errs.push(forbidden(
                    format!("{p}.securityContext.appArmorProfile.type"),
                    Bad::Str(t.clone()),
                ));
                types.push(t);
            }
        }
    }
    let mut bad_annotations = 0;
    if let Some(ann) = get(&pod.meta, &["annotations"]).and_then(Value::as_object) {
        for (k, val) in ann.iter() {
            if !k.starts_with("container.apparmor.security.beta.kubernetes.io/") {
                continue;
            }
            let val = val.as_str().unwrap_or("");
            if val.is_empty() || val == "runtime/default" || val.starts_with("localhost/") {
                continue;
            }
            errs.push(forbidden(
                format!("metadata.annotations[{k}]"),
                Bad::Str(val.to_string()),
            ));
            bad_annotations += 1;
        }
    }
    if errs.is_empty() {
        return None;
    }
    let distinct = sorted_unique(types).len();
    let reason = if distinct + bad_annotations == 1 {
        "forbidden AppArmor profile"
    } else {
        "forbidden AppArmor profiles"
    };
    fail(reason, errs)
}

const BASELINE_CAPS: [&str; 13] = [
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

fn check_capabilities_baseline(pod: &Pod, _: Minor) -> Option<(String, Vec<FieldErr>)> {
    let mut errs = Vec::new();
    for (p, c) in containers(&pod.spec) {
        let bad: Vec<String> = str_list(c, &["securityContext", "capabilities", "add"])
            .into_iter()
            .filter(|cap| !BASELINE_CAPS.contains(&cap.as_str()))
            .collect();
        if !bad.is_empty() {
            errs.push(forbidden(
                format!("{p}.securityContext.capabilities.add"),
                Bad::List(sorted_unique(bad)),
            ));
        }
    }
    if errs.is_empty() {
        None
    } else {
        fail("non-default capabilities", errs)
    }
}

fn check_capabilities_restricted(pod: &Pod, v: Minor) -> Option<(String, Vec<FieldErr>)> {
    if v >= 25 && is_windows(pod) {
        return None;
    }
    let mut drop_errs = Vec::new();
    let mut add_errs = Vec::new();
    for (p, c) in containers(&pod.spec) {
        let drop_path = format!("{p}.securityContext.capabilities.drop");
        let Some(caps) = get(c, &["securityContext", "capabilities"]) else {
            drop_errs.push(required(drop_path));
            continue;
        };
        let drop = str_list(caps, &["drop"]);
        if !drop.iter().any(|d| d == "ALL") {
            if drop.is_empty() {
                drop_errs.push(required(drop_path));
            } else {
                drop_errs.push(forbidden(drop_path, Bad::List(sorted_unique(drop))));
            }
        }
        let bad_add: Vec<String> = str_list(caps, &["add"])
            .into_iter()
            .filter(|a| a != "NET_BIND_SERVICE")
            .collect();
        if !bad_add.is_empty() {
            add_errs.push(forbidden(
                format!("{p}.securityContext.capabilities.add"),
                Bad::List(sorted_unique(bad_add)),
            ));
        }
    }
    drop_errs.extend(add_errs);
    if drop_errs.is_empty() {
        None
    } else {
        fail("unrestricted capabilities", drop_errs)
    }
}

fn check_host_namespaces(pod: &Pod, _: Minor) -> Option<(String, Vec<FieldErr>)> {
    let mut errs = Vec::new();
    for f in ["hostNetwork", "hostPID", "hostIPC"] {
        if get_bool(&pod.spec, &[f]) == Some(true) {
            errs.push(forbidden(format!("spec.{f}"), Bad::Bool(true)));
        }
    }
    if errs.is_empty() {
        None
    } else {
        fail("host namespaces", errs)
    }
}

fn check_host_path_volumes(pod: &Pod, _: Minor) -> Option<(String, Vec<FieldErr>)> {
    let mut errs = Vec::new();
    for (i, vol) in arr(&pod.spec, &["volumes"]).iter().enumerate() {
        if let Some(hp) = field(vol, "hostPath") {
            let path = get_str(hp, &["path"]).unwrap_or("").to_string();
            errs.push(forbidden(
                format!("spec.volumes[{i}].hostPath"),
                Bad::Str(path),
            ));
        }
    }
    if errs.is_empty() {
        None
    } else {
        fail("hostPath volumes", errs)
    }
}

fn check_host_ports(pod: &Pod, _: Minor) -> Option<(String, Vec<FieldErr>)> {
    let mut errs = Vec::new();
    for (p, c) in containers(&pod.spec) {
        for (j, port) in arr(c, &["ports"]).iter().enumerate() {
            let hp = get_int(port, &["hostPort"]).unwrap_or(0);
            if hp != 0 {
                errs.push(forbidden(format!("{p}.ports[{j}].hostPort"), Bad::Int(hp)));
            }
        }
    }
    if errs.is_empty() {
        None
    } else {
        fail("hostPort", errs)
    }
}

fn check_host_probes(pod: &Pod, _: Minor) -> Option<(String, Vec<FieldErr>)> {
    let mut found = false;
    for (_, c) in containers(&pod.spec) {
        let handlers = [
            get(c, &["livenessProbe"]),
            get(c, &["readinessProbe"]),
            get(c, &["startupProbe"]),
            get(c, &["lifecycle", "postStart"]),
            get(c, &["lifecycle", "preStop"]),
        ];
        for h in handlers.into_iter().flatten() {
            for kind in ["httpGet", "tcpSocket"] {
                if get_str(h, &[kind, "host"]).is_some_and(|s| !s.is_empty()) {
                    found = true;
                }
            }
        }
    }
    if found {
        fail("probe or lifecycle host", Vec::new())
    } else {
        None
    }
}

fn check_privileged(pod: &Pod, _: Minor) -> Option<(String, Vec<FieldErr>)> {
    let mut errs = Vec::new();
    for (p, c) in containers(&pod.spec) {
        if get_bool(c, &["securityContext", "privileged"]) == Some(true) {
            errs.push(forbidden(
                format!("{p}.securityContext.privileged"),
                Bad::Bool(true),
            ));
        }
    }
    if errs.is_empty() {
        None
    } else {
        fail("privileged", errs)
    }
}

fn check_proc_mount(pod: &Pod, _: Minor) -> Option<(String, Vec<FieldErr>)> {
    let mut errs = Vec::new();
    for (p, c) in containers(&pod.spec) {
        if let Some(pm) = get(c, &["securityContext", "procMount"]) {
            let pm = pm.as_str().unwrap_or("");
            if pm != "Default" {
                errs.push(forbidden(
                    format!("{p}.securityContext.procMount"),
                    Bad::Str(pm.to_string()),
                ));
            }
        }
    }
    if errs.is_empty() {
        None
    } else {
        fail("procMount", errs)
    }
}

const ALLOWED_VOLUMES: [&str; 9] = [
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "image",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

const RESTRICTED_VOLUMES: [&str; 21] = [
    "hostPath",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "nfs",
    "iscsi",
    "glusterfs",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "fc",
    "azureFile",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "portworxVolume",
    "scaleIO",
    "storageos",
];

fn check_restricted_volumes(pod: &Pod, _: Minor) -> Option<(String, Vec<FieldErr>)> {
    let mut errs = Vec::new();
    for (i, vol) in arr(&pod.spec, &["volumes"]).iter().enumerate() {
        if ALLOWED_VOLUMES.iter().any(|k| field(vol, k).is_some()) {
            continue;
        }
        let ty = RESTRICTED_VOLUMES
            .iter()
            .find(|k| field(vol, k).is_some())
            .copied()
            .unwrap_or("unknown");
        errs.push(forbidden(
            format!("spec.volumes[{i}].{ty}"),
            Bad::Str(String::new()),
        ));
    }
    if errs.is_empty() {
        None
    } else {
        fail("restricted volume types", errs)
    }
}

fn check_run_as_non_root(pod: &Pod, _: Minor) -> Option<(String, Vec<FieldErr>)> {
    let pod_value = get_bool(&pod.spec, &["securityContext", "runAsNonRoot"]);
    let mut errs = Vec::new();
    if pod_value == Some(false) {
        errs.push(forbidden(
            "spec.securityContext.runAsNonRoot".into(),
            Bad::Bool(false),
        ));
    }
    let mut implicit = Vec::new();
    for (p, c) in containers(&pod.spec) {
        let path = format!("{p}.securityContext.runAsNonRoot");
        match get_bool(c, &["securityContext", "runAsNonRoot"]) {
            Some(false) => errs.push(forbidden(path, Bad::Bool(false))),
            Some(true) => {}
            None => {
                if pod_value != Some(true) {
                    implicit.push(required(path));
                }
            }
        }
    }
    errs.extend(implicit);
    if errs.is_empty() {
        None
    } else {
        fail("runAsNonRoot != true", errs)
    }
}

fn check_run_as_user(pod: &Pod, _: Minor) -> Option<(String, Vec<FieldErr>)> {
    let mut errs = Vec::new();
    if get_int(&pod.spec, &["securityContext", "runAsUser"]) == Some(0) {
        errs.push(forbidden(
            "spec.securityContext.runAsUser".into(),
            Bad::Int(0),
        ));
    }
    for (p, c) in containers(&pod.spec) {
        if get_int(c, &["securityContext", "runAsUser"]) == Some(0) {
            errs.push(forbidden(
                format!("{p}.securityContext.runAsUser"),
                Bad::Int(0),
            ));
        }
    }
    if errs.is_empty() {
        None
    } else {
        fail("runAsUser=0", errs)
    }
}

fn check_selinux(pod: &Pod, v: Minor) -> Option<(String, Vec<FieldErr>)> {
    let check = |opts: &Value, prefix: &str, errs: &mut Vec<FieldErr>| {
        let t = get_str(opts, &["type"]).unwrap_or("");
        let ok = matches!(
            t,
            "" | "container_t" | "container_init_t" | "container_kvm_t"
        ) || (v >= 31 && t == "container_engine_t");
        if !ok {
            errs.push(forbidden(
                format!("{prefix}.seLinuxOptions.type"),
                Bad::Str(t.to_string()),
            ));
        }
        for f in ["user", "role"] {
            let s = get_str(opts, &[f]).unwrap_or("");
            if !s.is_empty() {
                errs.push(forbidden(
                    format!("{prefix}.seLinuxOptions.{f}"),
                    Bad::Str(s.to_string()),
                ));
            }
        }
    };
    let mut errs = Vec::new();
    if let Some(o) = get(&pod.spec, &["securityContext", "seLinuxOptions"]) {
        check(o, "spec.securityContext", &mut errs);
    }
    for (p, c) in containers(&pod.spec) {
        if let Some(o) = get(c, &["securityContext", "seLinuxOptions"]) {
            check(o, &format!("{p}.securityContext"), &mut errs);
        }
    }
    if errs.is_empty() {
        None
    } else {
        fail("seLinuxOptions", errs)
    }
}

fn valid_seccomp(t: &str) -> bool {
    t == "RuntimeDefault" || t == "Localhost"
}

fn check_seccomp_baseline(pod: &Pod, v: Minor) -> Option<(String, Vec<FieldErr>)> {
    let mut errs = Vec::new();
    if v < 19 {
        // Annotation-based variant (pre-1.19).
        let ok = |s: &str| {
            s == "runtime/default" || s == "docker/default" || s.starts_with("localhost/")
        };
        if let Some(s) = get(&pod.meta, &["annotations"])
            .and_then(|a| field(a, "seccomp.security.alpha.kubernetes.io/pod"))
            .and_then(Value::as_str)
        {
            if !ok(s) {
                errs.push(forbidden(
                    "metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]".into(),
                    Bad::Str(s.to_string()),
                ));
            }
        }
        for (_, c) in containers(&pod.spec) {
            let name = c.get_str_field("name").unwrap_or("");
            let key = format!("container.seccomp.security.alpha.kubernetes.io/{name}");
            if let Some(s) = get(&pod.meta, &["annotations"])
                .and_then(|a| field(a, &key))
                .and_then(Value::as_str)
            {
                if !ok(s) {
                    errs.push(forbidden(
                        format!("metadata.annotations[{key}]"),
                        Bad::Str(s.to_string()),
                    ));
                }
            }
        }
    } else {
        if let Some(prof) = get(&pod.spec, &["securityContext", "seccompProfile"]) {
            let t = get_str(prof, &["type"]).unwrap_or("");
            if !valid_seccomp(t) {
                errs.push(forbidden(
                    "spec.securityContext.seccompProfile.type".into(),
                    Bad::Str(t.to_string()),
                ));
            }
        }
        for (p, c) in containers(&pod.spec) {
            if let Some(prof) = get(c, &["securityContext", "seccompProfile"]) {
                let t = get_str(prof, &["type"]).unwrap_or("");
                if !valid_seccomp(t) {
                    errs.push(forbidden(
                        format!("{p}.securityContext.seccompProfile.type"),
                        Bad::Str(t.to_string()),
                    ));
                }
            }
        }
    }
    if errs.is_empty() {
        None
    } else {
        fail("seccompProfile", errs)
    }
}

fn check_seccomp_restricted(pod: &Pod, v: Minor) -> Option<(String, Vec<FieldErr>)> {
    if v >= 25 && is_windows(pod) {
        return None;
    }
    let mut explicit = Vec::new();
    let mut implicit = Vec::new();
    let mut pod_set = false;
    if let Some(prof) = get(&pod.spec, &["securityContext", "seccompProfile"]) {
        let t = get_str(prof, &["type"]).unwrap_or("");
        if valid_seccomp(t) {
            pod_set = true;
        } else {
            explicit.push(forbidden(
                "spec.securityContext.seccompProfile.type".into(),
                Bad::Str(t.to_string()),
            ));
        }
    }
    for (p, c) in containers(&pod.spec) {
        let path = format!("{p}.securityContext.seccompProfile.type");
        match get(c, &["securityContext", "seccompProfile"]) {
            Some(prof) => {
                let t = get_str(prof, &["type"]).unwrap_or("");
                if !valid_seccomp(t) {
                    explicit.push(forbidden(path, Bad::Str(t.to_string())));
                }
            }
            None => {
                if !pod_set {
                    implicit.push(required(path));
                }
            }
        }
    }
    let errs = if explicit.is_empty() {
        implicit
    } else {
        explicit
    };
    if errs.is_empty() {
        None
    } else {
        fail("seccompProfile", errs)
    }
}

fn allowed_sysctl(name: &str, v: Minor) -> bool {
    const BASE: [&str; 5] = [
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
        "net.ipv4.ip_unprivileged_port_start",
    ];
    const V129: [&str; 4] = [
        "net.ipv4.tcp_keepalive_time",
        "net.ipv4.tcp_fin_timeout",
        "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes",
    ];
    BASE.contains(&name)
        || (v >= 27 && name == "net.ipv4.ip_local_reserved_ports")
        || (v >= 29 && V129.contains(&name))
        || (v >= 32 && (name == "net.ipv4.tcp_rmem" || name == "net.ipv4.tcp_wmem"))
}

fn check_sysctls(pod: &Pod, v: Minor) -> Option<(String, Vec<FieldErr>)> {
    let mut errs = Vec::new();
    for (i, s) in arr(&pod.spec, &["securityContext", "sysctls"])
        .iter()
        .enumerate()
    {
        let name = get_str(s, &["name"]).unwrap_or("");
        if !allowed_sysctl(name, v) {
            errs.push(forbidden(
                format!("spec.securityContext.sysctls[{i}].name"),
                Bad::Str(name.to_string()),
            ));
        }
    }
    if errs.is_empty() {
        None
    } else {
        fail("forbidden sysctls", errs)
    }
}

fn check_windows_host_process(pod: &Pod, _: Minor) -> Option<(String, Vec<FieldErr>)> {
    let mut errs = Vec::new();
    if get_bool(
        &pod.spec,
        &["securityContext", "windowsOptions", "hostProcess"],
    ) == Some(true)
    {
        errs.push(forbidden(
            "spec.securityContext.windowsOptions.hostProcess".into(),
            Bad::Bool(true),
        ));
    }
    for (p, c) in containers(&pod.spec) {
        if get_bool(c, &["securityContext", "windowsOptions", "hostProcess"]) == Some(true) {
            errs.push(forbidden(
                format!("{p}.securityContext.windowsOptions.hostProcess"),
                Bad::Bool(true),
            ));
        }
    }
    if errs.is_empty() {
        None
    } else {
        fail("hostProcess", errs)
    }
}

// ---------------------------------------------------------------------------------------------
// Exclusions.

/// `pkg/pss/utils/mapping.go: PSS_control_name_to_ids`.
fn control_ids(name: &str) -> &'static [&'static str] {
    match name {
        "Capabilities" => &["capabilities_baseline", "capabilities_restricted"],
        "Seccomp" => &["seccompProfile_baseline", "seccompProfile_restricted"],
        "Privileged Containers" => &["privileged"],
        "Host Ports" => &["hostPorts"],
        "/proc Mount Type" => &["procMount"],
        "HostProcess" => &["windowsHostProcess"],
        "SELinux" => &["seLinuxOptions"],
        "Host Namespaces" => &["hostNamespaces"],
        "HostPath Volumes" => &["hostPathVolumes"],
        "Sysctls" => &["sysctls"],
        "AppArmor" => &["appArmorProfile"],
        "Privilege Escalation" => &["allowPrivilegeEscalation"],
        "Running as Non-root" => &["runAsNonRoot"],
        "Running as Non-root user" => &["runAsUser"],
        "Volume Types" => &["restrictedVolumes"],
        _ => &[],
    }
}

/// Kyverno's wildcard match: `*` any run, `?` one character, the whole string.
fn wildcard(pattern: &str, s: &str) -> bool {
    crate::wildcard::matches(pattern, s)
}

/// A field path with every digit run replaced by `*`.
fn field_key(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    let mut in_digits = false;
    for ch in field.chars() {
        if ch.is_ascii_digit() {
            if !in_digits {
                out.push('*');
            }
            in_digits = true;
        } else {
            in_digits = false;
            out.push(ch);
        }
    }
    out
}

/// For `spec.<list>[<i>]...` with a container list: (list, i).
fn container_ref(field: &str) -> Option<(&str, usize)> {
    let rest = field.strip_prefix("spec.")?;
    let open = rest.find('[')?;
    let list = &rest[..open];
    if !matches!(
        list,
        "containers" | "initContainers" | "ephemeralContainers"
    ) {
        return None;
    }
    let close = rest[open..].find(']')? + open;
    let idx = rest[open + 1..close].parse().ok()?;
    Some((list, idx))
}

fn container_name(spec: &Value, list: &str, idx: usize) -> Option<String> {
    arr(spec, &[list])
        .get(idx)
        .map(|c| c.get_str_field("name").unwrap_or("").to_string())
}

fn probe_pod(pod: &Pod, images: &[String]) -> Pod {
    use crate::jmespath::value::Map;
    if images.is_empty() {
        let mut spec = pod.spec.as_object().cloned().unwrap_or_default();
        spec.remove("initContainers");
        spec.remove("ephemeralContainers");
        let mut fake = Map::new();
        fake.insert("name".into(), Value::string("fake"));
        spec.insert("containers".into(), Value::array(vec![Value::object(fake)]));
        return Pod {
            meta: pod.meta.clone(),
            spec: Value::object(spec),
        };
    }
    let mut spec = Map::new();
    for list in ["initContainers", "containers", "ephemeralContainers"] {
        let kept: Vec<Value> = arr(&pod.spec, &[list])
            .iter()
            .filter(|c| {
                let image = c.get_str_field("image").unwrap_or("");
                images.iter().any(|p| wildcard(p, image))
            })
            .cloned()
            .collect();
        if !kept.is_empty() {
            spec.insert(list.into(), Value::array(kept));
        }
    }
    Pod {
        meta: Value::object(Map::new()),
        spec: Value::object(spec),
    }
}

fn apply_exclude(ctx: &Ctx, pod: &Pod, results: &mut Vec<CheckResult>, exclude: &Value) {
    let control = exclude.get_str_field("controlName").unwrap_or("");
    let ids = control_ids(control);
    if ids.is_empty() || results.is_empty() {
        return;
    }
    let images = str_list(exclude, &["images"]);
    let restricted_field = exclude.get_str_field("restrictedField").unwrap_or("");
    let values = str_list(exclude, &["values"]);
    let container_mode = !images.is_empty();
    let probe = probe_pod(pod, &images);
    let probe_results: Vec<CheckResult> = run_checks(ctx, &probe)
        .into_iter()
        .filter(|r| ids.contains(&r.id))
        .collect();
    for pr in &probe_results {
        for e in &pr.errors {
            let key = field_key(&e.field);
            let name = if container_mode {
                container_ref(&e.field)
                    .map(|(list, i)| (list, container_name(&probe.spec, list, i)))
            } else {
                None
            };
            if !restricted_field.is_empty() && restricted_field != key {
                continue;
            }
            if !values.is_empty()
                && !e
                    .bad
                    .values()
                    .iter()
                    .all(|bv| values.iter().any(|p| wildcard(p, bv)))
            {
                continue;
            }
            let Some(ri) = results.iter().position(|r| r.id == pr.id) else {
                continue;
            };
            let target = &mut results[ri];
            let hit = target.errors.iter().position(|te| {
                if field_key(&te.field) != key {
                    return false;
                }
                match &name {
                    Some((_, want)) => {
                        let real = container_ref(&te.field)
                            .and_then(|(l, i)| container_name(&pod.spec, l, i));
                        real == *want
                    }
                    None => true,
                }
            });
            if let Some(i) = hit {
                target.errors.swap_remove(i);
                if target.errors.is_empty() {
                    results.remove(ri);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Printing.

fn rewrite_field(field: &str, kind: &str) -> String {
    let f = if TEMPLATE_KINDS.contains(&kind) {
        field.replace("spec", "spec.template.spec")
    } else if kind == "CronJob" {
        field.replace("spec", "spec.jobTemplate.spec.template.spec")
    } else {
        field.to_string()
    };
    f.replace("metadata", "spec.template.metadata")
}

fn format_error(e: &FieldErr, kind: &str) -> String {
    let f = rewrite_field(&e.field, kind);
    if e.required {
        return format!("{f}: Required value");
    }
    match &e.bad {
        Bad::Str(s) if s.is_empty() => format!("{f}: Forbidden"),
        b => format!("{f} is forbidden, forbidden values found: {}", b.print()),
    }
}

fn format_check(r: &CheckResult, kind: &str) -> String {
    let errs: Vec<String> = r.errors.iter().map(|e| format_error(e, kind)).collect();
    format!(
        "(Forbidden reason: {}, field error list: [{}])",
        r.reason,
        errs.join(", ")
    )
}

#[cfg(test)]
mod tests;
