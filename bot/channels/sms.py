"""The SMS channel (Twilio): a Rasa input channel named "sms" at /webhooks/sms/webhook.

Register it in credentials.yml as `bot.channels.sms.SmsInput:`. Configuration comes from the
environment (bot/channels/sms_settings.py). Unlike Rasa's built-in twilio connector it
- refuses (403) any request whose X-Twilio-Signature does not verify against the public URL,
  before reading or storing anything;
- answers Twilio at once with empty TwiML and replies later through the REST API, so a slow
  turn never makes Twilio retry; a retry that still comes is dropped by its MessageSid;
- honours STOP/START/HELP and plain-language opt-outs, and never texts an opted-out number;
  an opt-out or opt-in is told to the advisor queue at once (bot/channels/handoff_events.py);
- a text the assistant leaves unanswered (an advisor holds the conversation, so Rasa is
  paused) is reported to the queue, which answers for an advisor who is away; never silence;
- joins a turn's replies into as few segments as possible and numbers the buttons;
- answers an empty text, a picture without text or an overlong text helpfully;
- passes every text through the channel door: a rate limit per phone number (RATE_LIMIT_SMS,
  default 10/min; one "slow down" text per episode), redaction of SSNs and account numbers,
  the command guard and the length cut.
"""
from __future__ import annotations

import asyncio
import logging
from urllib.parse import parse_qs
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional, Set, Text

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request, RequestParameters
from sanic.response import HTTPResponse
from twilio.http import AsyncHttpClient
from twilio.request_validator import RequestValidator

from bot.channels import gsm
from bot.channels.door import Arrival, Door, door_for
from bot.channels.handoff_events import OPTED_IN, OPTED_OUT, HandoffEvents
from bot.channels.rasa_app import AgentRef, answer_while_paused
from bot.channels.payloads import as_sms_text
from bot.channels.sms_client import SmsClient, masked
from bot.channels.sms_keywords import Keyword, classify
from bot.channels.sms_render import MenuOption, choose, menu_text, pack
from bot.channels.sms_settings import SmsSettings
from bot.channels.sms_store import SmsStore, normalise_phone
from bot.privacy import logs

logger = logging.getLogger(__name__)

CHANNEL_NAME = "sms"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
NO_TEXT_REPLY = (
    "I didn't get any words in that text. Please type the notice code (like LT11 or 1058) "
    "and the date printed on it, or text HELP."
)
PICTURE_ONLY_REPLY = (
    "I can't open pictures or files by text. Please type the notice code (like LT11 or "
    "1058) and the date printed on it."
)
PICTURE_NOTICE = "I can't open pictures by text, so I read only your words."


def opt_out_reply(settings: SmsSettings) -> str:
    return (
        f"{settings.firm.name}: you're unsubscribed and won't get more texts from us. "
        "Reply START to text with us again."
    )


def opt_in_reply(settings: SmsSettings) -> str:
    return (
        f"{settings.firm.name}: you can text with us again. Send your IRS notice code and "
        "its date, or HELP for help. Reply STOP to stop texts."
    )


def help_reply(settings: SmsSettings) -> str:
    # CTIA: HELP names the brand and a way to reach a person.
    return (
        f"{settings.firm.name}: IRS notice help. Call {settings.firm.phone}, "
        f"{settings.firm.hours_text}. Msg & data rates may apply. Reply STOP to stop texts."
    )


def trouble_reply(settings: SmsSettings) -> str:
    return f"Sorry, something went wrong on our side. Please text again in a minute, or call {settings.firm.phone}."


class SmsOutput(OutputChannel):
    """Collects one turn's replies and sends them joined; or, for messages pushed through
    Rasa's API (advisor replies), sends each at once. Either way through SmsClient, which
    holds back anything to an opted-out number."""

    @classmethod
    def name(cls) -> Text:
        return CHANNEL_NAME

    def __init__(self, client: SmsClient, store: SmsStore, collect: bool = True, notices: Iterable[str] = ()):
        self.client = client
        self.store = store
        self.collect = collect
        self.paragraphs: List[str] = list(notices)
        self.menu: List[MenuOption] = []
        self.said = 0  # the assistant's own messages this turn (the door's notices are not)

    async def _add(self, recipient_id: Text, paragraph: Optional[str], options: Iterable[MenuOption] = ()) -> None:
        options = list(options)
        if options:
            paragraph = menu_text(paragraph or "", options, first_number=len(self.menu) + 1)
            self.menu.extend(options)
        if paragraph and paragraph.strip():
            self.paragraphs.append(paragraph)
            self.said += 1
        if not self.collect:
            await self.flush(recipient_id)

    async def flush(self, recipient_id: Text) -> None:
        bodies = pack(self.paragraphs)
        menu = tuple(self.menu)
        self.paragraphs, self.menu = [], []
        if self.collect or menu:
            # A turn's menu replaces the last one; a reply without buttons leaves none.
            await asyncio.to_thread(self.store.remember_menu, recipient_id, menu)
        for body in bodies:
            await self.client.send(recipient_id, body)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self._add(recipient_id, text)

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await self._add(recipient_id, text, _options(buttons))

    async def send_quick_replies(
        self, recipient_id: Text, text: Text, quick_replies: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await self._add(recipient_id, text, _options(quick_replies))

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        await self._add(recipient_id, as_sms_text(json_message))

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await self._add(recipient_id, str(image))

    async def send_attachment(self, recipient_id: Text, attachment: Any, **kwargs: Any) -> None:
        if isinstance(attachment, str):
            await self._add(recipient_id, attachment)
        elif isinstance(attachment, dict):
            payload = attachment.get("payload") or {}
            link = attachment.get("url") or (payload.get("src") if isinstance(payload, dict) else None)
            if link:
                await self._add(recipient_id, str(link))

    async def send_elements(self, recipient_id: Text, elements: Iterable[Dict[Text, Any]], **kwargs: Any) -> None:
        for element in elements:
            title = element.get("title") if isinstance(element, dict) else None
            if title:
                await self._add(recipient_id, str(title), _options(element.get("buttons") or []))


def twilio_params(request: Request) -> RequestParameters:
    """The webhook's form fields, blank ones included: Twilio signs `Body=` too, and Sanic's
    own `request.form` drops blank values, which would break the signature of an empty text."""
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return RequestParameters()
    return RequestParameters(parse_qs(request.body.decode("utf-8", errors="replace"), keep_blank_values=True))


def _options(buttons: Iterable[Dict[Text, Any]]) -> List[MenuOption]:
    options = []
    for button in buttons:
        if isinstance(button, dict) and button.get("title"):
            # A button without a payload answers with its title, as a typed reply would.
            options.append(MenuOption(str(button["title"]), str(button.get("payload") or button["title"])))
    return options


class SmsInput(InputChannel):
    """Receives Twilio's inbound-message webhook."""

    @classmethod
    def name(cls) -> Text:
        return CHANNEL_NAME

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        # Secrets come from the environment; credentials.yml only names the channel.
        return cls(SmsSettings.from_env())

    def __init__(
        self,
        settings: SmsSettings,
        store: Optional[SmsStore] = None,
        http_client: Optional[AsyncHttpClient] = None,
        door: Optional[Door] = None,
        events: Optional[HandoffEvents] = None,
    ):
        self.settings = settings
        self.events = events if events is not None else HandoffEvents.from_env()
        self.rasa = AgentRef()
        self.store = store or SmsStore.from_env()
        self.client = SmsClient(settings, self.store, http_client)
        self.door = door or door_for(CHANNEL_NAME, default_max=gsm.MAX_BODY_CHARS)
        self.validator = RequestValidator(settings.auth_token) if settings.can_verify else None
        self._tasks: Set[asyncio.Task] = set()
        if not settings.can_verify:
            logger.warning("SMS channel: TWILIO_AUTH_TOKEN is not set, so every webhook request is refused (403)")
        if self.client.local_mode:
            logger.warning("SMS channel in local mode: replies are logged, not sent (no Twilio credentials)")

    def get_output_channel(self) -> Optional[OutputChannel]:
        """For messages pushed through Rasa's API (output_channel=latest): advisor replies."""
        return SmsOutput(self.client, self.store, collect=False)

    # --- the webhook -------------------------------------------------------------------------
    def signed_url(self, request: Request) -> str:
        """The URL Twilio signed: the configured public URL, or the URL as this server sees it."""
        if not self.settings.public_url:
            return request.url
        query = request.query_string
        return f"{self.settings.public_url}?{query}" if query else self.settings.public_url

    def is_authentic(self, request: Request, form: RequestParameters) -> bool:
        signature = request.headers.get("X-Twilio-Signature")
        if not self.validator or not signature:
            return False
        try:
            return self.validator.validate(self.signed_url(request), form, signature)
        except Exception:  # a malformed body or URL is simply not authentic
            return False

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        sms_webhook = Blueprint("sms_webhook", __name__)
        self.rasa.attach(sms_webhook)
        try:
            self.store.forget_old_message_sids()
        except Exception:
            logger.exception("SMS channel: could not prune old MessageSids")

        @sms_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sms_webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            params = twilio_params(request)
            if not self.is_authentic(request, params):
                return response.text("Forbidden: the request is not signed by Twilio.", status=403)
            form = {key: params.get(key) for key in params}
            if form.get("MessageStatus"):
                # A delivery-status callback pointed at this URL: nothing to answer.
                return response.text(EMPTY_TWIML, content_type="text/xml")
            phone = normalise_phone(form.get("From") or "")
            message_sid = (form.get("MessageSid") or form.get("SmsSid") or "").strip()
            if not phone or not message_sid:
                return response.text("Bad request: From and MessageSid are required.", status=400)
            if not await asyncio.to_thread(self.store.first_time, message_sid):
                logger.info("SMS %s from %s already handled (Twilio retry)", message_sid, masked(phone))
                return response.text(EMPTY_TWIML, content_type="text/xml")
            # Answer Twilio now; the turn runs on after the response (Twilio waits 15 s at most).
            task = asyncio.get_running_loop().create_task(self._handle(on_new_message, phone, message_sid, form))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            return response.text(EMPTY_TWIML, content_type="text/xml")

        return sms_webhook

    async def drain(self) -> None:
        """Waits until every accepted message has been answered (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        await self.events.drain()

    # --- one inbound text ------------------------------------------------------------------
    async def _reply(self, phone: str, text: str, *, even_if_opted_out: bool = False) -> None:
        await self.client.send(phone, text, even_if_opted_out=even_if_opted_out)

    async def _handle(self, on_new_message: Callable[[UserMessage], Awaitable[Any]], phone: str, message_sid: str, form: Dict[str, Any]) -> None:
        try:
            await self._answer(on_new_message, phone, message_sid, form)
        except Exception:
            logger.exception("SMS %s from %s: the turn failed", message_sid, masked(phone))
            try:
                await self._reply(phone, trouble_reply(self.settings))
            except Exception:
                logger.exception("SMS %s: could not even say sorry", message_sid)

    async def _answer(self, on_new_message: Callable[[UserMessage], Awaitable[Any]], phone: str, message_sid: str, form: Dict[str, Any]) -> None:
        body = str(form.get("Body") or "")
        try:
            num_media = max(0, int(form.get("NumMedia") or 0))
        except ValueError:
            num_media = 0
        keyword = classify(body)
        settings = self.settings

        if keyword is Keyword.OPT_OUT:
            newly = await asyncio.to_thread(self.store.opt_out, phone, "keyword")
            logger.info("SMS %s: %s opted out%s", message_sid, masked(phone), "" if newly else " (again)")
            if newly:
                self.events.report_later(phone, CHANNEL_NAME, OPTED_OUT)
            if newly and settings.keyword_replies:
                # The one text an opted-out number gets: the confirmation (CTIA principles).
                await self._reply(phone, opt_out_reply(settings), even_if_opted_out=True)
            return
        if keyword is Keyword.OPT_IN:
            await asyncio.to_thread(self.store.opt_in, phone)
            logger.info("SMS %s: %s opted in", message_sid, masked(phone))
            self.events.report_later(phone, CHANNEL_NAME, OPTED_IN)
            if settings.keyword_replies:
                await self._reply(phone, opt_in_reply(settings))
            return
        if await asyncio.to_thread(self.store.is_opted_out, phone):
            # Opted out: nothing is sent, not even HELP, until START (issue 6).
            logger.info("SMS %s from opted-out %s not answered", message_sid, masked(phone))
            return
        if keyword is Keyword.HELP:
            if settings.keyword_replies:
                await self._reply(phone, help_reply(settings))
            return
        if not body.strip():
            await self._reply(phone, PICTURE_ONLY_REPLY if num_media else NO_TEXT_REPLY)
            return

        menu = await asyncio.to_thread(self.store.take_menu, phone)
        chosen = choose(body, menu)
        arrival = await self.door.admit(
            Arrival(chosen or body, phone, CHANNEL_NAME, notices=(PICTURE_NOTICE,) if num_media else (),
                    chosen_button=chosen is not None)
        )
        if arrival.refused is not None:
            if arrival.refused.strip():
                await self._reply(phone, arrival.refused)
            return
        output = SmsOutput(self.client, self.store, collect=True, notices=arrival.notices)
        with logs.conversation(phone):
            await on_new_message(
                UserMessage(
                    arrival.text,
                    output,
                    phone,
                    input_channel=CHANNEL_NAME,
                    message_id=message_sid,
                    metadata={"sms": {"num_media": num_media}},
                )
            )
            if not output.said:
                # Paused for an advisor: the queue answers for them, or says they have it.
                paused = await answer_while_paused(self.rasa.app, self.events, phone, CHANNEL_NAME, arrival.text,
                                                   details=settings.firm)
                if paused and paused[1]:
                    output.paragraphs.append(paused[1])
            await output.flush(phone)
