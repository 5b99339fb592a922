// The socket to Rasa's socket.io channel (bot.channels.socketio.IntakeSocketIOInput).
// Every (re)connect asks for the stored conversation id; the server confirms it (or a new one
// when the stored one is not valid) and puts this socket in the conversation's room, so
// replies and advisor messages reach every tab of the conversation.
import { io } from "socket.io-client";

export class Connection {
  constructor({ serverUrl, socketPath, getSessionId, onSession, onMessage, onStatus }) {
    this.getSessionId = getSessionId;
    this.onSession = onSession;
    this.onMessage = onMessage;
    this.onStatus = onStatus;
    this.sessionId = null;
    this.pending = [];
    this.socket = io(serverUrl, {
      path: socketPath,
      autoConnect: false,
      reconnection: true,
      reconnectionDelay: 1000,
      reconnectionDelayMax: 10000,
    });
    this.socket.on("connect", () => {
      this.onStatus("connecting");
      this.socket.emit("session_request", { session_id: this.getSessionId() });
    });
    this.socket.on("session_confirm", (sessionId) => {
      const id = typeof sessionId === "string" ? sessionId : sessionId && sessionId.session_id;
      if (!id) return;
      this.sessionId = id;
      this.onSession(id);
      this.onStatus("online");
      const queued = this.pending.splice(0);
      for (const text of queued) this.send(text);
    });
    this.socket.on("bot_uttered", (message) => this.onMessage(message));
    this.socket.on("disconnect", (reason) => {
      this.sessionId = null;
      this.onStatus("offline");
      // socket.io reconnects by itself except when the server closed the socket.
      if (reason === "io server disconnect") setTimeout(() => this.open(), 1000);
    });
    this.socket.on("connect_error", () => this.onStatus("offline"));
  }

  open() {
    // `active` is true from connect() on, while connecting and reconnecting too: calling
    // connect() again then would send a second CONNECT packet, which the server answers by
    // dropping the socket.
    if (!this.socket.active) this.socket.connect();
  }

  // Sent now when the conversation is confirmed, else as soon as it is.
  send(text) {
    if (!this.sessionId || !this.socket.connected) {
      this.pending.push(text);
      this.open();
      return;
    }
    this.socket.emit("user_uttered", { message: text, session_id: this.sessionId });
  }

  close() {
    this.pending = [];
    this.socket.disconnect();
  }
}
