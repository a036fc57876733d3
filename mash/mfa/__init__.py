"""A second factor for every user (django-otp): TOTP from an authenticator app, recovery codes as a spare.

Signing in takes two steps: the password (Django's LoginView, with django-axes' lockout), then a code. Until the
code is given the session is signed in but not verified, and `RequireVerifiedMiddleware` lets it reach only the
steps themselves: the code page (`mfa_verify`), first-time enrolment with a QR code (`mfa_enrol`) and the
recovery codes shown once after it, and signing out. Every other page, the Django admin's included, sends it to
the step it still owes. A stolen password alone reaches nothing.
"""
