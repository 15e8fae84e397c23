"""Messages and the channels that carry them; knows nothing about plans.

    message.py        OutgoingMessage (what a channel receives) and Delivery (what it returns)
    render.py         Jinja2 environment: kind + context → OutgoingMessage
    channels/         one module per channel, registered in ``channels.CHANNELS``
    templates/<kind>/ subject.txt, body.html, body.txt, zalo.txt (Vietnamese)
"""
