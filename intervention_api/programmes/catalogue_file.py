"""Reading a catalogue file (YAML or JSON) into a programme, or errors naming line and field.

The file is composed into YAML nodes first (JSON is read the same way: every JSON document an
administrator writes by hand is also YAML), so every value keeps the line it came from; the
definition is then validated and each error is reported at the line of the closest value it
names. Nothing is stored unless the whole file is valid.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import ValidationError

from intervention_api.programmes.definition import ProgrammeDefinition

MAX_BYTES = 512 * 1024
# A catalogue has a few hundred values; this many means an alias bomb or a runaway file.
MAX_NODES = 20_000

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class CatalogueError:
    """One thing wrong with a catalogue file: its line (1-based), the field, what is wrong."""

    line: int
    field: str
    message: str


class InvalidCatalogue(Exception):
    """The file cannot be loaded; `errors` says where and why."""

    def __init__(self, errors: list[CatalogueError]) -> None:
        super().__init__(f"{len(errors)} error(s) in the catalogue file")
        self.errors = errors


def field_name(path: Path) -> str:
    """`modules[2].tools[0].code` for ("modules", 2, "tools", 0, "code")."""
    name = ""
    for part in path:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else part)
    return name or "(document)"


class _Lines:
    """The line of every value in a composed document, by its path."""

    def __init__(self) -> None:
        self.by_path: dict[Path, int] = {}
        self.errors: list[CatalogueError] = []
        self.nodes = 0

    def walk(self, node: yaml.Node, path: Path) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise InvalidCatalogue([CatalogueError(node.start_mark.line + 1, "", "Too large.")])
        self.by_path[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key, value in node.value:
                name = str(key.value)
                if name in seen:
                    self.errors.append(
                        CatalogueError(
                            key.start_mark.line + 1,
                            field_name((*path, name)),
                            "This key is given twice.",
                        )
                    )
                seen.add(name)
                self.walk(value, (*path, name))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self.walk(item, (*path, index))

    def line_of(self, path: Path) -> int:
        """The line of the value at `path`, or of its closest ancestor in the file."""
        for length in range(len(path), -1, -1):
            line = self.by_path.get(path[:length])
            if line is not None:
                return line
        return 1


def _compose(text: str) -> tuple[Any, _Lines]:
    lines = _Lines()
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise InvalidCatalogue([CatalogueError(1, "", "The file is empty.")])
        lines.walk(node, ())
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = exc.problem or exc.context or "unreadable"
        message = f"Not valid YAML or JSON: {problem}."
        raise InvalidCatalogue([CatalogueError(line, "", message)]) from None
    except yaml.YAMLError:
        raise InvalidCatalogue([CatalogueError(1, "", "Not valid YAML or JSON.")]) from None
    finally:
        loader.dispose()
    return data, lines


def _duplicates(definition: ProgrammeDefinition, lines: _Lines) -> list[CatalogueError]:
    """Module codes, and tool codes across the programme, name one thing each."""
    errors: list[CatalogueError] = []
    modules: set[str] = set()
    tools: set[str] = set()
    for m, module in enumerate(definition.modules):
        if module.code in modules:
            path: Path = ("modules", m, "code")
            errors.append(
                CatalogueError(
                    lines.line_of(path), field_name(path), "Another module has this code."
                )
            )
        modules.add(module.code)
        for t, tool in enumerate(module.tools):
            if tool.code in tools:
                path = ("modules", m, "tools", t, "code")
                errors.append(
                    CatalogueError(
                        lines.line_of(path), field_name(path), "Another tool has this code."
                    )
                )
            tools.add(tool.code)
    return errors


def read_catalogue(content: bytes) -> ProgrammeDefinition:
    """The programme a catalogue file defines, or InvalidCatalogue naming every fault found."""
    if len(content) > MAX_BYTES:
        raise InvalidCatalogue(
            [CatalogueError(1, "", f"A catalogue is at most {MAX_BYTES} bytes.")]
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidCatalogue([CatalogueError(1, "", "The file is not UTF-8 text.")]) from None
    data, lines = _compose(text)
    if lines.errors:
        raise InvalidCatalogue(lines.errors)
    if not isinstance(data, dict):
        raise InvalidCatalogue([CatalogueError(1, "", "The file must hold one programme.")])
    try:
        definition = ProgrammeDefinition.model_validate(data)
    except ValidationError as exc:
        errors = []
        for error in exc.errors(include_url=False, include_input=False):
            path = tuple(error["loc"])
            errors.append(CatalogueError(lines.line_of(path), field_name(path), error["msg"]))
        raise InvalidCatalogue(errors) from None
    duplicates = _duplicates(definition, lines)
    if duplicates:
        raise InvalidCatalogue(duplicates)
    return definition
