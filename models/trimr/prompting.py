"""The rendered chat prompt that TrimR continues through `/v1/completions`.

Continuing through the chat endpoint does not work: several families' templates drop the
thinking of an assistant turn they are asked to continue. So TrimR renders the prompt
itself and sends prompt + kept thinking + guide as raw text. Where the template comes
from, in order:

1. the server: vLLM's `/tokenize` accepts chat messages and applies the model's own
   template (with `add_generation_prompt`); `/detokenize` turns the ids back into text.
   This is exact for any model vLLM serves.
2. the model family: a template in `prompts/trimr/chat/` chosen by the model's profile
   (ChatML for Qwen2.5/Qwen3/QwQ/SmolLM2, DeepSeek-R1's own for its distills), for servers
   without `/tokenize` (llama.cpp, the fake server in tests).
"""

from __future__ import annotations

from typing import Any

import httpx

from optagent.core.errors import OptagentError
from optagent.core.types import Message
from optagent.models.providers import OpenAICompatModel
from optagent.prompts import render

FAMILY_TEMPLATES = {
    "qwen3": "chatml",
    "qwen3-instruct-2507": "chatml",
    "qwq": "chatml",
    "qwen2.5": "chatml",
    "smollm2": "chatml",
    "deepseek-r1-distill": "deepseek_r1",
}


class PromptRenderer:
    """Renders chat messages for one model, asking its server once whether it can do it."""

    def __init__(self, model: OpenAICompatModel) -> None:
        self._model = model
        self._server_renders: bool | None = None
        self.source = "unknown"

    async def render(self, messages: list[Message]) -> str:
        if self._server_renders is not False:
            text = await self._from_server(messages)
            if text is not None:
                self._server_renders, self.source = True, "server /tokenize"
                return text
            self._server_renders = False
        profile = self._model.profile
        template = FAMILY_TEMPLATES.get(profile.name) if profile else None
        if template is None:
            raise OptagentError(
                f"TrimR cannot render the chat prompt of {self._model.name}: its server has no /tokenize and "
                f"no template in prompts/trimr/chat/ fits it; serve it with vLLM or pass profile= of a known family"
            )
        self.source = f"prompts/trimr/chat/{template}.md"
        return render(f"trimr/chat/{template}", messages=[m.model_dump() for m in messages])

    async def _from_server(self, messages: list[Message]) -> str | None:
        root = self._model.settings.base_url.rstrip("/").removesuffix("/v1")
        headers = {"Authorization": f"Bearer {self._model.settings.api_key}"}
        body = {
            "model": self._model.name,
            "messages": [m.model_dump() for m in messages],
            "add_generation_prompt": True,
        }
        async with httpx.AsyncClient(base_url=root, headers=headers, timeout=self._model.settings.timeout_s) as http:
            tokenized = await http.post("/tokenize", json=body)
            if tokenized.status_code in (404, 405) or "tokens" not in _json(tokenized):
                return None
            tokenized.raise_for_status()
            detokenized = await http.post(
                "/detokenize", json={"model": self._model.name, "tokens": tokenized.json()["tokens"]}
            )
            detokenized.raise_for_status()
            return detokenized.json()["prompt"]


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        payload = response.json()
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}
