"""The footer: the keys of the current screen on one line (two on a narrow terminal), clickable.

Textual's `Footer` rebuilds one widget per key every time the bindings may have
changed (each focus change), which costs tens of milliseconds per key press on a
screen with a dozen keys. This bar renders the same information as one `Content`
line and re-renders only when the line actually changes, which keeps every key
press well under the 50 ms budget. Each key is a link to its action, so the mouse
works as with `Footer`; grouped bindings (1 2 3 for the screens) share one label.
"""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.binding import ActiveBinding, Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

KEY_STYLE = "bold $footer-key-foreground"
DESCRIPTION_STYLE = "$footer-description-foreground"
SEPARATOR = "  "


def _namespace(node: Any) -> str:
    if isinstance(node, App):
        return "app"
    if isinstance(node, Screen):
        return "screen"
    return "focused"  # a widget's binding runs on the focused widget


def _action(active: ActiveBinding) -> str:
    action = active.binding.action
    return action if "." in action.split("(", 1)[0] else f"{_namespace(active.node)}.{action}"


def _key(screen: Screen[Any], active: ActiveBinding, description: str) -> Content:
    key = screen.app.get_key_display(active.binding)
    style = f"{KEY_STYLE} @click={_action(active)}" if active.enabled else "$text-muted"
    label = Content.assemble((key, style))
    if description:
        label = Content.assemble(
            label, " ", (description, DESCRIPTION_STYLE if active.enabled else "$text-muted")
        )
    return label


def key_parts(screen: Screen[Any]) -> list[Content]:
    """Every shown binding of `screen` (its own first, then the app's), one part per key."""
    entries: list[ActiveBinding | Binding.Group] = []
    grouped: dict[Binding.Group, list[ActiveBinding]] = {}
    seen: set[str] = set()
    for active in screen.active_bindings.values():
        binding = active.binding
        if not binding.show or binding.action in seen:
            continue
        seen.add(binding.action)
        if binding.group is None:
            entries.append(active)
        elif binding.group in grouped:
            grouped[binding.group].append(active)
        else:
            grouped[binding.group] = [active]
            entries.append(binding.group)
    parts: list[Content] = []
    for entry in entries:
        if isinstance(entry, Binding.Group):
            keys = Content("" if entry.compact else " ").join(_key(screen, a, "") for a in grouped[entry])
            parts.append(Content.assemble(keys, " ", (entry.description, DESCRIPTION_STYLE)))
        else:
            parts.append(_key(screen, entry, entry.binding.description))
    if screen.app.ENABLE_COMMAND_PALETTE:
        parts.append(
            Content.assemble(
                ("^p", f"{KEY_STYLE} @click=app.command_palette"), " ", ("Commands", DESCRIPTION_STYLE)
            )
        )
    return parts


def lay_out(parts: list[Content], width: int) -> Content:
    """The parts two spaces apart, wrapped between parts (never inside one) to `width`."""
    lines: list[Content] = []
    line = Content("")
    for part in parts:
        candidate = Content.assemble(line, SEPARATOR, part) if line.cell_length else part
        if line.cell_length and candidate.cell_length > width:
            lines.append(line)
            line = part
        else:
            line = candidate
    lines.append(line)
    return Content("\n").join(lines)


class KeyBar(Static):
    """Docked at the bottom of each screen; follows the screen's bindings."""

    def on_mount(self) -> None:
        self._line: Content | None = None
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def on_resize(self) -> None:
        self._bindings_changed(self.screen)

    def _bindings_changed(self, screen: Screen[Any]) -> None:
        width = (self.size.width or screen.app.size.width) - 2  # padding
        line = lay_out(key_parts(screen), max(20, width))
        if line != self._line:
            self._line = line
            self.update(line)
            # An explicit height: `auto` was not re-measured when the keys changed during
            # a layout pass (the second line of keys was cut on the commitment screen).
            self.styles.height = min(2, len(line.split("\n")))
