use super::*;
use serde_json::json;

fn v(j: serde_json::Value) -> Value {
    Value::from_json(&j)
}

fn msg(rule: &str, ps: serde_json::Value, res: serde_json::Value) -> String {
    failure_message(rule, &evaluate(&v(ps), &v(res)))
}

fn pod(spec: serde_json::Value) -> serde_json::Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec})
}

fn ok_sc() -> serde_json::Value {
    json!({"allowPrivilegeEscalation": false, "runAsNonRoot": true,
           "seccompProfile": {"type": "RuntimeDefault"}, "capabilities": {"drop": ["ALL"]}})
}

const APE_REQ: &str = "(Forbidden reason: allowPrivilegeEscalation != false, field error list: [spec.containers[0].securityContext.allowPrivilegeEscalation: Required value])";
const CAPS_REQ: &str = "(Forbidden reason: unrestricted capabilities, field error list: [spec.containers[0].securityContext.capabilities.drop: Required value])";
const NONROOT_REQ: &str = "(Forbidden reason: runAsNonRoot != true, field error list: [spec.containers[0].securityContext.runAsNonRoot: Required value])";
const SECCOMP_REQ: &str = "(Forbidden reason: seccompProfile, field error list: [spec.containers[0].securityContext.seccompProfile.type: Required value])";

#[test]
fn example1_restricted_bare_pod() {
    let m = msg(
        "r",
        json!({"level": "restricted", "version": "latest"}),
        pod(json!({"containers": [{"name": "nginx", "image": "nginx"}]})),
    );
    assert_eq!(
        m,
        format!(
            "Validation rule 'r' failed. It violates PodSecurity \"restricted:latest\": {APE_REQ}{CAPS_REQ}{NONROOT_REQ}{SECCOMP_REQ}"
        )
    );
}

#[test]
fn example2_deployment_baseline() {
    let dep = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
        "spec": {"template": {"metadata": {"labels": {"a": "b"}}, "spec": {"hostNetwork": true,
            "containers": [{"name": "app", "image": "nginx",
                "ports": [{"containerPort": 80, "hostPort": 8080}],
                "securityContext": {"privileged": true}}]}}}});
    let m = msg(
        "autogen-baseline",
        json!({"level": "baseline", "version": "latest"}),
        dep,
    );
    assert_eq!(
        m,
        "Validation rule 'autogen-baseline' failed. It violates PodSecurity \"baseline:latest\": (Forbidden reason: host namespaces, field error list: [spec.template.spec.hostNetwork is forbidden, forbidden values found: true])(Forbidden reason: hostPort, field error list: [spec.template.spec.containers[0].ports[0].hostPort is forbidden, forbidden values found: 8080])(Forbidden reason: privileged, field error list: [spec.template.spec.containers[0].securityContext.privileged is forbidden, forbidden values found: true])"
    );
}

#[test]
fn example3_run_as_user_at_v122() {
    let m = msg(
        "r",
        json!({"level": "restricted", "version": "v1.22"}),
        pod(
            json!({"securityContext": {"runAsNonRoot": true, "runAsUser": 0, "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{"name": "c", "image": "i",
                "securityContext": {"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}}}]}),
        ),
    );
    assert_eq!(
        m,
        "Validation rule 'r' failed. It violates PodSecurity \"restricted:v1.22\": (Forbidden reason: runAsUser=0, field error list: [spec.securityContext.runAsUser is forbidden, forbidden values found: 0])"
    );
}

#[test]
fn example4_capabilities_both_checks() {
    let mut sc = ok_sc();
    sc["capabilities"]["add"] = json!(["NET_BIND_SERVICE", "NET_RAW"]);
    let m = msg(
        "r",
        json!({"level": "restricted", "version": "latest"}),
        pod(json!({"containers": [{"name": "c", "image": "i", "securityContext": sc.clone()}]})),
    );
    assert_eq!(
        m,
        "Validation rule 'r' failed. It violates PodSecurity \"restricted:latest\": (Forbidden reason: non-default capabilities, field error list: [spec.containers[0].securityContext.capabilities.add is forbidden, forbidden values found: [NET_RAW]])(Forbidden reason: unrestricted capabilities, field error list: [spec.containers[0].securityContext.capabilities.add is forbidden, forbidden values found: [NET_RAW]])"
    );
    sc["capabilities"]["drop"] = json!(["NET_RAW"]);
    let m = msg(
        "r",
        json!({"level": "restricted", "version": "latest"}),
        pod(json!({"containers": [{"name": "c", "image": "i", "securityContext": sc}]})),
    );
    assert_eq!(
        m,
        "Validation rule 'r' failed. It violates PodSecurity \"restricted:latest\": (Forbidden reason: non-default capabilities, field error list: [spec.containers[0].securityContext.capabilities.add is forbidden, forbidden values found: [NET_RAW]])(Forbidden reason: unrestricted capabilities, field error list: [spec.containers[0].securityContext.capabilities.drop is forbidden, forbidden values found: [NET_RAW], spec.containers[0].securityContext.capabilities.add is forbidden, forbidden values found: [NET_RAW]])"
    );
}

#[test]
fn example5_image_exclusion() {
    let res = pod(json!({"containers": [
        {"name": "a", "image": "nginx:1.25", "securityContext": {"capabilities": {"add": ["SYS_ADMIN"]}}},
        {"name": "b", "image": "busybox:1.36", "securityContext": {"capabilities": {"add": ["SYS_ADMIN"]}}}]}));
    let m = msg(
        "r",
        json!({"level": "baseline", "version": "latest", "exclude": [{"controlName": "Capabilities",
            "images": ["nginx*"], "restrictedField": "spec.containers[*].securityContext.capabilities.add",
            "values": ["SYS_ADMIN"]}]}),
        res.clone(),
    );
    assert_eq!(
        m,
        "Validation rule 'r' failed. It violates PodSecurity \"baseline:latest\": (Forbidden reason: non-default capabilities, field error list: [spec.containers[1].securityContext.capabilities.add is forbidden, forbidden values found: [SYS_ADMIN]])"
    );
    let m = msg(
        "r",
        json!({"level": "baseline", "version": "latest", "exclude": [{"controlName": "Capabilities",
            "images": ["*"], "restrictedField": "spec.containers[*].securityContext.capabilities.add",
            "values": ["SYS_ADMIN"]}]}),
        res,
    );
    assert_eq!(m, "Validation rule 'r' passed.");
}

#[test]
fn example6_fake_container_removes_one() {
    let sc = json!({"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}});
    let ps = json!({"level": "restricted", "version": "latest", "exclude": [{"controlName": "Running as Non-root"}]});
    let m = msg(
        "r",
        ps.clone(),
        pod(
            json!({"securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{"name": "a", "image": "x", "securityContext": sc.clone()},
                           {"name": "b", "image": "y", "securityContext": sc.clone()}]}),
        ),
    );
    assert_eq!(
        m,
        "Validation rule 'r' failed. It violates PodSecurity \"restricted:latest\": (Forbidden reason: runAsNonRoot != true, field error list: [spec.containers[1].securityContext.runAsNonRoot: Required value])"
    );
    let m = msg(
        "r",
        ps,
        pod(
            json!({"securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{"name": "a", "image": "x", "securityContext": sc}]}),
        ),
    );
    assert_eq!(m, "Validation rule 'r' passed.");
}

#[test]
fn example7_host_path_twice() {
    let res = pod(
        json!({"containers": [{"name": "c", "image": "i", "securityContext": ok_sc()}],
        "volumes": [{"name": "data", "hostPath": {"path": "/data"}}]}),
    );
    let hp = "(Forbidden reason: hostPath volumes, field error list: [spec.volumes[0].hostPath is forbidden, forbidden values found: /data])";
    let rv = "(Forbidden reason: restricted volume types, field error list: [spec.volumes[0].hostPath: Forbidden])";
    let m = msg(
        "r",
        json!({"level": "restricted", "version": "latest"}),
        res.clone(),
    );
    assert_eq!(
        m,
        format!(
            "Validation rule 'r' failed. It violates PodSecurity \"restricted:latest\": {hp}{rv}"
        )
    );
    let m = msg(
        "r",
        json!({"level": "restricted", "version": "latest", "exclude": [{"controlName": "Volume Types",
            "restrictedField": "spec.volumes[*].hostPath", "values": ["/nomatch"]}]}),
        res,
    );
    assert_eq!(
        m,
        format!("Validation rule 'r' failed. It violates PodSecurity \"restricted:latest\": {hp}")
    );
}

#[test]
fn example8_sysctls_versions() {
    let res = pod(json!({"securityContext": {"sysctls": [
        {"name": "net.ipv4.tcp_keepalive_time", "value": "600"}, {"name": "kernel.msgmax", "value": "65536"}]},
        "containers": [{"name": "c", "image": "i"}]}));
    let m = msg(
        "r",
        json!({"level": "baseline", "version": "v1.29"}),
        res.clone(),
    );
    assert_eq!(
        m,
        "Validation rule 'r' failed. It violates PodSecurity \"baseline:v1.29\": (Forbidden reason: forbidden sysctls, field error list: [spec.securityContext.sysctls[1].name is forbidden, forbidden values found: kernel.msgmax])"
    );
    let m = msg(
        "r",
        json!({"level": "baseline", "version": "v1.27"}),
        res.clone(),
    );
    assert_eq!(
        m,
        "Validation rule 'r' failed. It violates PodSecurity \"baseline:v1.27\": (Forbidden reason: forbidden sysctls, field error list: [spec.securityContext.sysctls[0].name is forbidden, forbidden values found: net.ipv4.tcp_keepalive_time, spec.securityContext.sysctls[1].name is forbidden, forbidden values found: kernel.msgmax])"
    );
    let m = msg(
        "r",
        json!({"level": "baseline", "version": "v1.27", "exclude": [{"controlName": "Sysctls",
            "restrictedField": "spec.securityContext.sysctls[*].name", "values": ["kernel.*"]}]}),
        res,
    );
    assert_eq!(
        m,
        "Validation rule 'r' failed. It violates PodSecurity \"baseline:v1.27\": (Forbidden reason: forbidden sysctls, field error list: [spec.securityContext.sysctls[1].name is forbidden, forbidden values found: kernel.msgmax])"
    );
}

#[test]
fn example9_apparmor_annotation() {
    let res = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p",
        "annotations": {"container.apparmor.security.beta.kubernetes.io/app": "unconfined"}},
        "spec": {"containers": [{"name": "app", "image": "i"}]}});
    let m = msg(
        "r",
        json!({"level": "baseline", "version": "latest"}),
        res.clone(),
    );
    assert_eq!(
        m,
        "Validation rule 'r' failed. It violates PodSecurity \"baseline:latest\": (Forbidden reason: forbidden AppArmor profile, field error list: [spec.template.metadata.annotations[container.apparmor.security.beta.kubernetes.io/app] is forbidden, forbidden values found: unconfined])"
    );
    let m = msg(
        "r",
        json!({"level": "baseline", "version": "latest", "exclude": [{"controlName": "AppArmor",
            "restrictedField": "metadata.annotations[container.apparmor.security.beta.kubernetes.io/app]",
            "values": ["unconfined"]}]}),
        res,
    );
    assert_eq!(m, "Validation rule 'r' passed.");
}

#[test]
fn example10_probe_host_and_privileged_level() {
    let m = msg(
        "r",
        json!({"level": "baseline", "version": "v1.19"}),
        pod(json!({"containers": [{"name": "web", "image": "i",
            "livenessProbe": {"httpGet": {"host": "10.0.0.1", "port": 80}}}]})),
    );
    assert_eq!(
        m,
        "Validation rule 'r' failed. It violates PodSecurity \"baseline:v1.19\": (Forbidden reason: probe or lifecycle host, field error list: [])"
    );
    let m = msg(
        "r",
        json!({"level": "privileged", "version": "latest"}),
        pod(json!({"hostNetwork": true, "containers": [{"name": "c", "image": "i"}]})),
    );
    let hn = "(Forbidden reason: host namespaces, field error list: [spec.hostNetwork is forbidden, forbidden values found: true])";
    assert_eq!(
        m,
        format!(
            "Validation rule 'r' failed. It violates PodSecurity \"privileged:latest\": {APE_REQ}{CAPS_REQ}{hn}{NONROOT_REQ}{SECCOMP_REQ}"
        )
    );
}

#[test]
fn cronjob_paths_and_metadata() {
    let cj = json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c"},
        "spec": {"schedule": "* * * * *", "jobTemplate": {"metadata": {}, "spec": {"template": {
            "metadata": {"annotations": {"container.apparmor.security.beta.kubernetes.io/x": "unconfined"}},
            "spec": {"hostPID": true, "containers": [{"name": "x", "image": "i"}]}}}}}});
    let m = msg("autogen-cronjob-r", json!({"level": "baseline"}), cj);
    assert_eq!(
        m,
        "Validation rule 'autogen-cronjob-r' failed. It violates PodSecurity \"baseline:\": (Forbidden reason: host namespaces, field error list: [spec.jobTemplate.spec.template.spec.hostPID is forbidden, forbidden values found: true])"
    );
}

#[test]
fn errors_and_not_applicable() {
    let ps = v(json!({"level": "baseline", "version": "v2.0"}));
    let res = v(pod(json!({"containers": []})));
    assert_eq!(
        evaluate(&ps, &res),
        PssOutcome::Error {
            message: "failed to parse pod security api version: must be \"latest\" or \"v1.x\""
                .into()
        }
    );
    let ps = v(json!({"level": "baseline"}));
    assert_eq!(
        evaluate(
            &ps,
            &v(json!({"kind": "ConfigMap", "metadata": {"name": "x"}}))
        ),
        PssOutcome::Error {
            message: "Error while getting new resource: could not find correct resource type"
                .into()
        }
    );
    assert_eq!(evaluate(&ps, &Value::Null), PssOutcome::NotApplicable);
    assert_eq!(evaluate(&ps, &v(json!({}))), PssOutcome::NotApplicable);
    assert!(matches!(
        evaluate(&ps, &v(pod(json!({"containers": "nope"})))),
        PssOutcome::Error { .. }
    ));
    assert_eq!(
        evaluate(&ps, &v(pod(json!({"containers": [{"name": "c"}]})))),
        PssOutcome::Pass
    );
    assert_eq!(parse_version("v1.0"), Some(0));
    assert_eq!(parse_version("v1.01"), None);
    assert_eq!(parse_version("latest"), Some(LATEST));
}

#[test]
fn odd_inputs_never_panic() {
    let odd = [
        json!(null),
        json!(1),
        json!("x"),
        json!([]),
        json!({"kind": "Pod"}),
        json!({"kind": "Pod", "spec": 3}),
        json!({"kind": "Pod", "metadata": [], "spec": {}}),
        json!({"kind": "Deployment", "spec": []}),
        json!({"kind": "CronJob", "spec": {"jobTemplate": 1}}),
        json!({"kind": "Pod", "spec": {"containers": [1, {"securityContext": 2}], "volumes": [null]}}),
        json!({"kind": "Pod", "spec": {"containers": [{"name": 1}], "securityContext": {"sysctls": [1]}}}),
    ];
    let pss = [
        json!(null),
        json!({"level": "restricted"}),
        json!({"level": 1, "version": 2}),
        json!({"level": "restricted", "exclude": [1, {"controlName": 2}, {"controlName": "Capabilities", "images": "x"}]}),
    ];
    for r in &odd {
        for p in &pss {
            let _ = evaluate(&v(p.clone()), &v(r.clone()));
        }
    }
}

#[test]
fn exceptions_skip() {
    let ps = v(json!({"level": "baseline"}));
    let res = v(pod(json!({"hostIPC": true, "containers": [{"name": "c"}]})));
    assert!(matches!(evaluate(&ps, &res), PssOutcome::Fail { .. }));
    let ex = [v(json!({"controlName": "Host Namespaces"}))];
    assert_eq!(evaluate_with_exceptions(&ps, &res, &ex), None);
    let ex = [v(json!({"controlName": "Sysctls"}))];
    assert!(matches!(
        evaluate_with_exceptions(&ps, &res, &ex),
        Some(PssOutcome::Fail { .. })
    ));
}

#[test]
fn field_keys_and_wildcards() {
    assert_eq!(
        field_key("spec.containers[12].ports[0].hostPort"),
        "spec.containers[*].ports[*].hostPort"
    );
    assert!(wildcard("nginx*", "nginx:1.25"));
    assert!(wildcard("*", ""));
    assert!(wildcard("a?c", "abc"));
    assert!(!wildcard("nginx*", "busybox"));
}

#[test]
fn restricted_details() {
    // Explicit bad seccomp: both seccomp checks; the implicit container error is dropped.
    let m = msg(
        "r",
        json!({"level": "restricted"}),
        pod(
            json!({"securityContext": {"seccompProfile": {"type": "Unconfined"}, "runAsNonRoot": true},
            "containers": [{"name": "c", "securityContext": {"allowPrivilegeEscalation": false,
                "capabilities": {"drop": ["ALL"]}}}]}),
        ),
    );
    let s = "(Forbidden reason: seccompProfile, field error list: [spec.securityContext.seccompProfile.type is forbidden, forbidden values found: Unconfined])";
    assert_eq!(
        m,
        format!("Validation rule 'r' failed. It violates PodSecurity \"restricted:\": {s}{s}")
    );
    // allowPrivilegeEscalation unset in a present securityContext prints nil.
    let m = msg(
        "r",
        json!({"level": "restricted"}),
        pod(
            json!({"securityContext": {"seccompProfile": {"type": "RuntimeDefault"}, "runAsNonRoot": true},
            "containers": [{"name": "c", "securityContext": {"capabilities": {"drop": ["ALL"]}}}]}),
        ),
    );
    assert_eq!(
        m,
        "Validation rule 'r' failed. It violates PodSecurity \"restricted:\": (Forbidden reason: allowPrivilegeEscalation != false, field error list: [spec.containers[0].securityContext.allowPrivilegeEscalation is forbidden, forbidden values found: nil])"
    );
}

fn fail_body(ps: serde_json::Value, res: serde_json::Value) -> String {
    match evaluate(&v(ps), &v(res)) {
        PssOutcome::Fail { violations, .. } => violations.concat(),
        other => format!("{other:?}"),
    }
}

#[test]
fn baseline_misc_checks() {
    let res = pod(json!({
        "securityContext": {"seLinuxOptions": {"type": "spc_t", "user": "u"},
            "appArmorProfile": {"type": "Unconfined"}, "windowsOptions": {"hostProcess": true}},
        "volumes": [{"name": "a", "nfs": {"server": "s"}}, {"name": "b"}, {"name": "c", "emptyDir": {}}],
        "containers": [{"name": "c", "image": "i",
            "ports": [{"containerPort": 1}, {"containerPort": 2, "hostPort": 0}, {"hostPort": 81}],
            "securityContext": {"procMount": "Unmasked", "appArmorProfile": {"type": "Unconfined"},
                "seLinuxOptions": {"type": "container_engine_t", "role": "r"}}}]}));
    let body = fail_body(
        json!({"level": "baseline", "version": "v1.30"}),
        res.clone(),
    );
    assert_eq!(
        body,
        "(Forbidden reason: forbidden AppArmor profile, field error list: [spec.securityContext.appArmorProfile.type is forbidden, forbidden values found: Unconfined, spec.containers[0].securityContext.appArmorProfile.type is forbidden, forbidden values found: Unconfined])\
(Forbidden reason: hostPort, field error list: [spec.containers[0].ports[2].hostPort is forbidden, forbidden values found: 81])\
(Forbidden reason: procMount, field error list: [spec.containers[0].securityContext.procMount is forbidden, forbidden values found: Unmasked])\
(Forbidden reason: seLinuxOptions, field error list: [spec.securityContext.seLinuxOptions.type is forbidden, forbidden values found: spc_t, spec.securityContext.seLinuxOptions.user is forbidden, forbidden values found: u, spec.containers[0].securityContext.seLinuxOptions.type is forbidden, forbidden values found: container_engine_t, spec.containers[0].securityContext.seLinuxOptions.role is forbidden, forbidden values found: r])\
(Forbidden reason: hostProcess, field error list: [spec.securityContext.windowsOptions.hostProcess is forbidden, forbidden values found: true])"
    );
    // container_engine_t is allowed from v1.31.
    let body = fail_body(
        json!({"level": "baseline", "version": "v1.31"}),
        res.clone(),
    );
    assert!(body.contains("seLinuxOptions.role"));
    assert!(!body.contains("container_engine_t"));
    // Restricted: volume types (nfs, unknown) in order.
    let body = fail_body(json!({"level": "restricted"}), res);
    assert!(body.contains(
        "(Forbidden reason: restricted volume types, field error list: [spec.volumes[0].nfs: Forbidden, spec.volumes[1].unknown: Forbidden])"
    ));
}

#[test]
fn apparmor_plural_and_empty_type() {
    let res = json!({"kind": "Pod", "metadata": {"annotations": {
            "container.apparmor.security.beta.kubernetes.io/a": "unconfined",
            "container.apparmor.security.beta.kubernetes.io/b": "localhost/x"}},
        "spec": {"securityContext": {"appArmorProfile": {}}, "containers": [{"name": "a"}]}});
    assert_eq!(
        fail_body(json!({"level": "baseline"}), res),
        "(Forbidden reason: forbidden AppArmor profiles, field error list: [spec.securityContext.appArmorProfile.type: Forbidden, spec.template.metadata.annotations[container.apparmor.security.beta.kubernetes.io/a] is forbidden, forbidden values found: unconfined])"
    );
}

#[test]
fn windows_exemption_from_v125() {
    let res = pod(
        json!({"os": {"name": "windows"}, "securityContext": {"runAsNonRoot": true},
        "containers": [{"name": "c", "image": "i"}]}),
    );
    assert_eq!(
        evaluate(
            &v(json!({"level": "restricted", "version": "v1.25"})),
            &v(res.clone())
        ),
        PssOutcome::Pass
    );
    let body = fail_body(json!({"level": "restricted", "version": "v1.24"}), res);
    assert!(body.starts_with("(Forbidden reason: allowPrivilegeEscalation != false"));
    assert!(body.contains("unrestricted capabilities"));
    assert!(body.contains("seccompProfile"));
}

#[test]
fn image_exclusion_matches_container_names() {
    // Two containers with the same image pattern; only `a` matches the images list, so only
    // its privileged error is removed.
    let res = pod(
        json!({"initContainers": [{"name": "init", "image": "nginx", "securityContext": {"privileged": true}}],
        "containers": [
        {"name": "a", "image": "nginx", "securityContext": {"privileged": true}},
        {"name": "b", "image": "redis", "securityContext": {"privileged": true}}]}),
    );
    let body = fail_body(
        json!({"level": "baseline", "exclude": [{"controlName": "Privileged Containers", "images": ["nginx"],
            "restrictedField": "spec.containers[*].securityContext.privileged", "values": ["true"]}]}),
        res.clone(),
    );
    assert_eq!(
        body,
        "(Forbidden reason: privileged, field error list: [spec.initContainers[0].securityContext.privileged is forbidden, forbidden values found: true, spec.containers[1].securityContext.privileged is forbidden, forbidden values found: true])"
    );
    // Without restrictedField, every error of the matching containers goes.
    let body = fail_body(
        json!({"level": "baseline", "exclude": [{"controlName": "Privileged Containers", "images": ["nginx"]}]}),
        res,
    );
    assert_eq!(
        body,
        "(Forbidden reason: privileged, field error list: [spec.containers[1].securityContext.privileged is forbidden, forbidden values found: true])"
    );
}

#[test]
fn go_type_errors() {
    let m = failure_message(
        "r",
        &evaluate(
            &v(json!({"level": "baseline"})),
            &v(pod(json!({"containers": "x"}))),
        ),
    );
    assert_eq!(
        m,
        "Error while getting new resource: json: cannot unmarshal string into Go struct field Pod.spec.containers of type []v1.Container"
    );
    let dep = json!({"kind": "Deployment", "spec": {"template": {"spec": {"containers": [
        {"name": "c", "securityContext": {"privileged": "yes"}}]}}}});
    let m = failure_message("r", &evaluate(&v(json!({"level": "baseline"})), &v(dep)));
    assert_eq!(
        m,
        "Error while getting new resource: json: cannot unmarshal string into Go struct field Deployment.spec.template.spec.containers.securityContext.privileged of type bool"
    );
}
