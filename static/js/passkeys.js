// Passkeys page (mash.mfa.passkeys): django-otp-webauthn's own script does the ceremony; when it says a passkey
// was added, show the page again so the list names it.
document.addEventListener("otp_webauthn.register_complete", () => window.location.reload());
