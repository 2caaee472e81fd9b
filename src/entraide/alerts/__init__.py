"""Alerts: residents told by mail of new entries near them (docs/alerts.md).

    subscribe (endpoint/routes.py, /alertes)  choices.py: the form → Choices; links.py: signed links;
                                              mails.py: the confirmation mail; store/subscriptions.py
    send (`entraide alerts send`)             manifest.py: what the build published; sender.py: match, digest,
                                              send; mails.py: the digest; store/deliveries.py: the record

An address is sealed before it reaches the store and opened by the sender alone, just before a mail leaves;
links name a subscription by a random id, signed, never by its address.
"""
