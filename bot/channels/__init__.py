"""Our Rasa input channels and what they share.

- socketio.py: the website widget's socket.io channel (Rasa's, with its 3.6 flaws fixed);
- sms.py: the Twilio SMS channel, with sms_* modules for its settings, store, client,
  keywords and rendering, and gsm.py for segment arithmetic;
- door.py: the checks every inbound message passes before the assistant sees it;
- payloads.py: the custom payload shapes (deadline card, advisor handoff state).
"""
