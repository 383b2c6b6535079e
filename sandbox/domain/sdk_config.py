"""The SDK configuration (`data.mobile`) a tenant's apps receive."""

from urllib.parse import urlsplit

DEFAULT_RETRY_COUNT = 3
# Tenant settings copied into data.mobile as they are, beyond the keys with defaults.
PASS_THROUGH = ("sentryDsn", "iosSafeArea", "loaderConfig", "whiteListedDomains")


def mobile_config(settings: dict, hosts: list[str]) -> dict:
    """Return data.mobile: sandbox-safe defaults, the tenant's overrides, our hosts whitelisted."""
    whitelisted = ["customerglu.com"]
    for host in hosts:
        name = urlsplit(host).hostname if "//" in host else host.split(":")[0]
        if name and name not in whitelisted:
            whitelisted.append(name)
    config = {
        "disableSdk": False,
        "enableAnalytics": True,
        "enableEntryPoints": True,
        "enableSentry": False,
        "enableSse": True,
        # MQTT is out of scope: the sandbox delivers nudges over SSE only.
        "enableMqtt": False,
        "mqttEnabledComponents": [],
        "isDiagnosticsEnabled": True,
        "isMetricsEnabled": True,
        "isCrashLoggingEnabled": True,
        "allowedRetryCount": DEFAULT_RETRY_COUNT,
        "campaignCount": 1,
        "entryPointCount": 1,
        "allowAnonymousRegistration": True,
        "forceUserRegistration": False,
        "allowUserRegistration": True,
        "enableDarkMode": False,
        "listenToSystemDarkLightMode": False,
        "lightBackground": "#FFFFFF",
        "darkBackground": "#0D0D0D",
        "loadScreenColor": "#FFFFFF",
        "loaderColor": "#1A73E8",
        "testUserIds": [],
        "activityIdList": {"android": [], "ios": []},
        "bannerIds": {"android": [], "ios": []},
        "embedIds": {"android": [], "ios": []},
        "errorCodeForDomain": 404,
        "errorMessageForDomain": "This domain is not whitelisted",
        "deeplinkUrl": "",
        "callbackConfigurationUrl": "",
        "enableSslPinning": False,
        "allowProxy": False,
        "preloadWebView": False,
    }
    for key, value in settings.items():
        if key in config or key in PASS_THROUGH:
            config[key] = value
    # Whatever the tenant set, our own hosts stay whitelisted: the iOS webviews load
    # only hosts whose suffix is listed, and every campaign URL points at the sandbox.
    extra = [d for d in config.get("whiteListedDomains", []) if d not in whitelisted]
    config["whiteListedDomains"] = whitelisted + extra
    config["enableSslPinning"] = False
    config["enableMqtt"] = False
    return config
