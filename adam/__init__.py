"""ADAM: coordination of counter-narcotics technical assistance (Paris Pact).

Empty on purpose: importing a part of ADAM (the matcher in a scan worker) must not load the
app; the app factory is ``adam.app.create_app``.
"""
