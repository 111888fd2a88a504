//! Rule `context` entries: variables and external data loaded before a rule runs.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A named context entry, usable in the rule as `{{ <name> }}`. Exactly one source must be
/// given: `configMap`, `apiCall`, `imageRegistry`, `variable` or `globalReference`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(extend("oneOf" = [
    {"required": ["configMap"]},
    {"required": ["apiCall"]},
    {"required": ["imageRegistry"]},
    {"required": ["variable"]},
    {"required": ["globalReference"]},
]))]
pub struct ContextEntry {
    /// Variable name under which the data is available, e.g. `name: ns` -> `{{ ns }}`.
    pub name: String,
    /// Loads the data of a ConfigMap, available as `{{ <name>.data.<key> }}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config_map: Option<ConfigMapReference>,
    /// Calls the Kubernetes API server (`urlPath`) or an external JSON service (`service`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_call: Option<ApiCall>,
    /// Fetches the manifest and config of a container image from its OCI registry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_registry: Option<ImageRegistry>,
    /// Defines a variable inline from a literal `value` or a `jmesPath` expression.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variable: Option<ContextVariable>,
    /// Reads a cached `GlobalContextEntry` by name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub global_reference: Option<GlobalContextReference>,
}

/// Reference to a ConfigMap whose data is loaded into the context.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ConfigMapReference {
    /// Name of the ConfigMap; variables are allowed.
    pub name: String,
    /// Namespace of the ConfigMap; defaults to `default`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// An HTTP call whose JSON response is stored in the context.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ApiCall {
    /// Kubernetes API path, as for `kubectl get --raw`, e.g.
    /// `/api/v1/namespaces/{{ request.namespace }}/pods`. Mutually exclusive with `service`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url_path: Option<String>,
    /// Call to an external JSON web service instead of the API server.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<ServiceCall>,
    /// HTTP method: `GET` (the default) or `POST`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "GET"))]
    pub method: Option<HttpMethod>,
    /// Body of a `POST` request, as a list of key/value pairs forming a JSON object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Vec<RequestData>>,
    /// JMESPath expression applied to the response, e.g. `items | length(@)`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jmes_path: Option<String>,
    /// Value stored in the context when the call fails; any JSON value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<serde_json::Value>,
}

/// HTTP method of an `apiCall`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
#[schemars(inline)]
pub enum HttpMethod {
    Get,
    Post,
}

/// One key of the JSON body of a `POST` `apiCall`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RequestData {
    /// Key in the request body.
    pub key: String,
    /// Value of the key: any JSON value, variables allowed.
    pub value: serde_json::Value,
}

/// An external JSON web service called by an `apiCall`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ServiceCall {
    /// Service URL, typically `https://<service>.<namespace>:<port>/<path>`.
    pub url: String,
    /// PEM-encoded CA bundle used to verify the server certificate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ca_bundle: Option<String>,
    /// Extra HTTP headers sent with the request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub headers: Option<Vec<HttpHeader>>,
}

/// An HTTP header.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HttpHeader {
    /// Header name.
    pub key: String,
    /// Header value.
    pub value: String,
}

/// Reference to a cached `GlobalContextEntry`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GlobalContextReference {
    /// Name of the `GlobalContextEntry` resource.
    pub name: String,
    /// JMESPath expression applied to the cached data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jmes_path: Option<String>,
}

/// Image data fetched from an OCI registry (manifest, config, digest, ...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ImageRegistry {
    /// Image reference, e.g. `ghcr.io/kyverno/kyverno:latest` or
    /// `"{{ element.image }}"`.
    pub reference: String,
    /// JMESPath expression applied to the fetched image data, e.g. `configData.config.User`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jmes_path: Option<String>,
    /// Credentials used to access the registry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_registry_credentials: Option<ImageRegistryCredentials>,
}

/// Credentials for accessing image registries.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ImageRegistryCredentials {
    /// Allow plain-HTTP or self-signed registries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_insecure_registry: Option<bool>,
    /// Built-in credential helpers to use: `default`, `amazon`, `azure`, `google`, `github`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub providers: Option<Vec<RegistryProvider>>,
    /// Image pull secrets, as `name` (in Kyverno's namespace) or `namespace/name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secrets: Option<Vec<String>>,
}

/// A registry credential helper.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(inline)]
pub enum RegistryProvider {
    Default,
    Amazon,
    Azure,
    Google,
    Github,
}

/// A variable defined inline.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ContextVariable {
    /// Literal value: any JSON value, may contain variables.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<serde_json::Value>,
    /// JMESPath expression computing the value from the context, or from `value` when both
    /// are set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jmes_path: Option<String>,
    /// Value used when the expression yields null.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<serde_json::Value>,
}
