"""The model menu of the chat: the model given on the command line and every model the
configured endpoints serve, with one notice saying how to get a model when none answers."""

from __future__ import annotations

from pydantic import BaseModel

from optagent.app.chat_session import START_A_MODEL


class ModelMenu(BaseModel):
    specs: list[str] = []
    notice: str = ""


async def model_menu(given: str | None, base_url: str | list[str] | None) -> ModelMenu:
    """Probe the endpoints (a second at most when none runs) and list what they serve."""
    from optagent.models.check import check_endpoints
    from optagent.models.registry import NAMELESS, split_spec

    specs = [given] if given else []
    if given and split_spec(given)[0] in NAMELESS:
        return ModelMenu(specs=specs)
    checks = await check_endpoints(None, base_url)
    for check in checks:
        specs += [f"{check.provider}/{name}" for name in check.models if f"{check.provider}/{name}" not in specs]
    if any(check.ok for check in checks):
        return ModelMenu(specs=specs)
    tried = ", ".join(check.base_url for check in checks)
    return ModelMenu(specs=specs, notice=f"**No model endpoint answers** (tried {tried}). {START_A_MODEL}")
