// The socket to Rasa's socket.io channel (bot.channels.socketio.IntakeSocketIOInput).
// Every (re)connect asks for the stored conversation id and for the bot messages after the
// last one this device holds; the server confirms the id (or a new one when the stored one is
// not valid), puts this socket in the conversation's room (replies and advisor messages reach
// every tab) and replays what was missed. Each message waits for the server's acknowledgement,
// given once its turn has run; until then it is not "sent".
import { io } from "socket.io-client";

// A turn normally takes well under a second; past this the message is sent again later
// (the server runs an id once, so a late first attempt does no harm).
const ACK_TIMEOUT_MS = 30000;

export class Connection {
  constructor({ serverUrl, socketPath, getSessionId, getSince, onSession, onMessage, onStatus, onReady }) {
    this.getSessionId = getSessionId;
    this.getSince = getSince;
    this.onSession = onSession;
    this.onMessage = onMessage;
    this.onStatus = onStatus;
    this.onReady = onReady;
    this.sessionId = null;
    this.socket = io(serverUrl, {
      path: socketPath,
      autoConnect: false,
      reconnection: true,
      reconnectionDelay: 1000,
      reconnectionDelayMax: 10000,
    });
    this.socket.on("connect", () => {
      this.onStatus("connecting");
      const since = this.getSince();
      this.socket.emit("session_request", { session_id: this.getSessionId(), ...(typeof since === "number" ? { since } : {}) });
    });
    this.socket.on("session_confirm", (sessionId) => {
      const id = typeof sessionId === "string" ? sessionId : sessionId && sessionId.session_id;
      if (!id) return;
      this.sessionId = id;
      this.onSession(id);
      this.onStatus("online");
      this.onReady();
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

  get ready() {
    return Boolean(this.sessionId && this.socket.connected);
  }

  open() {
    // `active` is true from connect() on, while connecting and reconnecting too: calling
    // connect() again then would send a second CONNECT packet, which the server answers by
    // dropping the socket.
    if (!this.socket.active) this.socket.connect();
  }

  // Resolves with the server's acknowledgement; rejects when offline or unanswered in time.
  send(id, text) {
    if (!this.ready) {
      this.open();
      return Promise.reject(new Error("offline"));
    }
    return new Promise((resolve, reject) => {
      this.socket.timeout(ACK_TIMEOUT_MS).emit("user_uttered", { message: text, session_id: this.sessionId, id }, (error, ack) => {
        if (error) reject(error);
        else resolve(ack || {});
      });
    });
  }

  close() {
    this.socket.disconnect();
  }
}
