"""Parse and validate Admin GraphQL, answering errors in Shopify's (graphql-ruby's) shapes."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import (
    ArgumentNode,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    GraphQLSyntaxError,
    InlineFragmentNode,
    ObjectFieldNode,
    OperationDefinitionNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    parse,
    print_ast,
    specified_rules,
    validate,
    visit,
)
from graphql.language import Node

Error = dict[str, Any]


@dataclass
class Place:
    """Where a node sits: graphql-ruby's path, the field/argument it belongs to, and types."""

    path: list[str]
    field: str = ""
    parent_type: str = ""
    argument: str = ""
    argument_type: str = ""


def locations(error: GraphQLError) -> list[dict[str, int]]:
    """`[{"line": 1, "column": 3}]`, as every error carries them."""
    return [{"line": loc.line, "column": loc.column} for loc in error.locations or ()]


def parse_or_errors(text: str) -> DocumentNode | list[Error]:
    """The parsed document, or graphql-ruby's parse error."""
    try:
        return parse(text)
    except GraphQLSyntaxError as exc:
        position = next(iter(exc.positions or ()), len(text))
        token = re.match(r"\s*(\S{1,20})", text[position:])
        near = f'"{token.group(1)}"' if token else "end of file"
        loc = locations(exc)
        at = f" at [{loc[0]['line']}, {loc[0]['column']}]" if loc else ""
        return [{"message": f"Parse error on {near}{at}", "locations": loc}]


@functools.lru_cache(maxsize=512)
def validation_errors(schema: GraphQLSchema, text: str) -> tuple[Error, ...]:
    """Every static error of a (parsed-fine) document, Shopify-shaped; cached per text,
    because clients send the same few documents over and over."""
    document = parse(text)
    places = _places(schema, document)
    out: list[Error] = []
    for rule in specified_rules:
        for error in validate(schema, document, [rule]):
            shaped = _shape(rule.__name__, error, places)
            if shaped is not None and shaped not in out:
                out.append(shaped)
    return tuple(out)


def _places(schema: GraphQLSchema, document: DocumentNode) -> dict[int, Place]:
    """Every field, argument and value node of the document, by id, with its Place."""
    type_info = TypeInfo(schema)
    places: dict[int, Place] = {}
    stack: list[str] = []
    current = Place([])

    class Walker(Visitor):
        def enter(self, node: Node, *_: Any) -> None:
            nonlocal current
            label = _label(node)
            if label is not None:
                stack.append(label)
            if isinstance(node, FieldNode):
                parent = type_info.get_parent_type()
                current = Place(list(stack), node.name.value, getattr(parent, "name", ""))
            elif isinstance(node, ArgumentNode):
                argument = type_info.get_argument()
                kind = str(argument.type) if argument else ""
                current = Place(list(stack), current.field, current.parent_type, label or "", kind)
            elif isinstance(node, DirectiveNode):
                current = Place(list(stack), f"@{node.name.value}", "Directive")
            places[id(node)] = Place(list(stack), *_fields_of(current))

        def leave(self, node: Node, *_: Any) -> None:
            if _label(node) is not None:
                stack.pop()

    visit(document, TypeInfoVisitor(type_info, Walker()))
    return places


def _fields_of(place: Place) -> tuple[str, str, str, str]:
    return place.field, place.parent_type, place.argument, place.argument_type


def _label(node: Node) -> str | None:
    if isinstance(node, OperationDefinitionNode):
        kind = node.operation.value
        return f"{kind} {node.name.value}" if node.name else kind
    if isinstance(node, FragmentDefinitionNode):
        return f"fragment {node.name.value}"
    if isinstance(node, FieldNode):
        return node.alias.value if node.alias else node.name.value
    if isinstance(node, InlineFragmentNode):
        return f"... on {node.type_condition.name.value}" if node.type_condition else "..."
    if isinstance(node, ArgumentNode | ObjectFieldNode):
        return node.name.value
    return None


def _shape(rule: str, error: GraphQLError, places: dict[int, Place]) -> Error | None:
    # A variable in the wrong position: its use (the last node) names the argument.
    last = rule == "VariablesInAllowedPositionRule"
    node = (error.nodes[-1] if last else error.nodes[0]) if error.nodes else None
    place = places.get(id(node), Place([])) if node is not None else Place([])
    shaper = _SHAPERS.get(rule)
    message, extensions = shaper(error, node, place) if shaper else _generic(rule, error)
    shaped: Error = {"message": message, "locations": locations(error)}
    if place.path:
        shaped["path"] = place.path
    shaped["extensions"] = extensions
    return shaped


Shaper = Callable[[GraphQLError, Any, Place], tuple[str, dict[str, Any]]]


def _undefined_field(error: GraphQLError, node: Any, place: Place) -> tuple[str, dict[str, Any]]:
    found = re.search(r"field '([^']+)' on type '([^']+)'", error.message)
    field, type_name = found.groups() if found else (place.field, place.parent_type)
    return (
        f"Field '{field}' doesn't exist on type '{type_name}'",
        {"code": "undefinedField", "typeName": type_name, "fieldName": field},
    )


def _unknown_argument(error: GraphQLError, node: Any, place: Place) -> tuple[str, dict[str, Any]]:
    argument = node.name.value if isinstance(node, ArgumentNode) else place.argument
    kind = "Directive" if place.field.startswith("@") else "Field"
    name = place.field.lstrip("@")
    return (
        f"{kind} '{name}' doesn't accept argument '{argument}'",
        {"code": "argumentNotAccepted", "name": name, "typeName": kind, "argumentName": argument},
    )


def _missing_arguments(error: GraphQLError, node: Any, place: Place) -> tuple[str, dict[str, Any]]:
    found = re.search(r"\((\w+):\)", error.message)
    argument = found.group(1) if found else "?"
    kind = "Directive" if isinstance(node, DirectiveNode) else "Field"
    name = node.name.value if node is not None else place.field
    return (
        f"{kind} '{name}' is missing required arguments: {argument}",
        {
            "code": "missingRequiredArguments",
            "className": kind,
            "name": name,
            "arguments": argument,
        },
    )


def _bad_literal(error: GraphQLError, node: Any, place: Place) -> tuple[str, dict[str, Any]]:
    value = print_ast(node) if node is not None else "?"
    kind = "Directive" if place.field.startswith("@") else "Field"
    return (
        f"Argument '{place.argument}' on {kind} '{place.field.lstrip('@')}' has an invalid value "
        f"({value}). Expected type '{place.argument_type}'.",
        {"code": "argumentLiteralsIncompatible", "typeName": kind, "argumentName": place.argument},
    )


def _selection(error: GraphQLError, node: Any, place: Place) -> tuple[str, dict[str, Any]]:
    found = re.search(r"type '([^']+)'", error.message)
    type_name = found.group(1) if found else "?"
    named = re.match(r"Field '([^']+)'", error.message)
    field = named.group(1) if named else place.field
    extensions = {
        "code": "selectionMismatch",
        "nodeName": f"field '{field}'",
        "typeName": type_name,
    }
    if "must not have a selection" in error.message:
        selections = getattr(node, "selections", ())
        chosen = ", ".join(s.name.value for s in selections if isinstance(s, FieldNode))
        message = (
            f"Selections can't be made on scalars (field '{field}' returns {type_name} "
            f"but has selections [{chosen}])"
        )
        return message, extensions
    return (
        f"Field must have selections (field '{field}' returns {type_name} but has no "
        f"selections. Did you mean '{field} {{ ... }}'?)",
        extensions,
    )


def _variable(code: str, verb: str) -> Shaper:
    def shape(error: GraphQLError, node: Any, place: Place) -> tuple[str, dict[str, Any]]:
        found = re.search(r"\$(\w+)", error.message)
        name = found.group(1) if found else "?"
        operation = re.search(r"operation '([^']+)'", error.message)
        by = f"query {operation.group(1)}" if operation else "anonymous query"
        return f"Variable ${name} is {verb} by {by}", {"code": code, "variableName": name}

    return shape


def _variable_mismatch(error: GraphQLError, node: Any, place: Place) -> tuple[str, dict[str, Any]]:
    found = re.search(
        r"\$(\w+)' of type '([^']+)' used in position expecting type '([^']+)'", error.message
    )
    name, given, wanted = found.groups() if found else ("?", "?", "?")
    return (
        f"Type mismatch on variable ${name} and argument {place.argument} ({given} / {wanted})",
        {
            "code": "variableMismatch",
            "variableName": name,
            "typeName": given,
            "argumentName": place.argument,
            "errorMessage": "Nullability mismatch"
            if given.rstrip("!") == wanted.rstrip("!")
            else "Type mismatch",
        },
    )


def _directive(error: GraphQLError, node: Any, place: Place) -> tuple[str, dict[str, Any]]:
    name = node.name.value if isinstance(node, DirectiveNode) else "?"
    if error.message.startswith("Unknown directive"):
        return f"Directive @{name} is not defined", {
            "code": "undefinedDirective",
            "directiveName": name,
        }
    return (
        f"'@{name}' can't be applied to this location",
        {"code": "directiveCannotBeApplied", "targetName": place.field, "name": name},
    )


def _fragment(verb: str) -> Shaper:
    def shape(error: GraphQLError, node: Any, place: Place) -> tuple[str, dict[str, Any]]:
        found = re.search(r"'([^']+)'", error.message)
        name = found.group(1) if found else "?"
        return (
            f"Fragment {name} was {verb}",
            {"code": "useAndDefineFragment", "fragmentName": name},
        )

    return shape


def _unknown_type(error: GraphQLError, node: Any, place: Place) -> tuple[str, dict[str, Any]]:
    found = re.search(r"type '([^']+)'", error.message)
    name = found.group(1) if found else "?"
    return f"No such type {name}, so it can't be used here", {
        "code": "undefinedType",
        "typeName": name,
    }


_SHAPERS: dict[str, Shaper] = {
    "FieldsOnCorrectTypeRule": _undefined_field,
    "KnownArgumentNamesRule": _unknown_argument,
    "ProvidedRequiredArgumentsRule": _missing_arguments,
    "ValuesOfCorrectTypeRule": _bad_literal,
    "ScalarLeafsRule": _selection,
    "NoUndefinedVariablesRule": _variable("variableNotDefined", "used but not declared"),
    "NoUnusedVariablesRule": _variable("variableNotUsed", "declared but not used"),
    "VariablesInAllowedPositionRule": _variable_mismatch,
    "KnownDirectivesRule": _directive,
    "KnownFragmentNamesRule": _fragment("used, but not defined"),
    "NoUnusedFragmentsRule": _fragment("defined, but not used"),
    "KnownTypeNamesRule": _unknown_type,
}

# graphql-ruby's codes for the rules whose message graphql-core's wording can keep.
_CODES = {
    "UniqueOperationNamesRule": "uniquelyNamedOperations",
    "LoneAnonymousOperationRule": "anonymousOperationNotAlone",
    "FragmentsOnCompositeTypesRule": "fragmentOnNonCompositeType",
    "VariablesAreInputTypesRule": "variableRequiresValidType",
    "UniqueFragmentNamesRule": "fragmentNamesUnique",
    "PossibleFragmentSpreadsRule": "cannotSpreadFragment",
    "NoFragmentCyclesRule": "infiniteLoop",
    "UniqueVariableNamesRule": "variableNotUnique",
    "UniqueDirectivesPerLocationRule": "directiveNotUniqueForLocation",
    "UniqueArgumentNamesRule": "argumentNotUnique",
    "OverlappingFieldsCanBeMergedRule": "fieldConflict",
    "UniqueInputFieldNamesRule": "inputFieldNotUnique",
}


def _generic(rule: str, error: GraphQLError) -> tuple[str, dict[str, Any]]:
    return error.message, {"code": _CODES.get(rule, "validationFailed")}


def variable_error(error: GraphQLError, document: DocumentNode) -> Error:
    """graphql-ruby's shape for a variable value that does not fit its declared type."""
    found = re.match(r"Variable '\$(\w+)'[^:]*?(?:: (.*))?$", error.message, re.S)
    name = found.group(1) if found else "?"
    explanation = (found.group(2) if found else None) or "Expected value to not be null"
    declared = "?"
    for definition in document.definitions:
        for variable in getattr(definition, "variable_definitions", None) or ():
            if variable.variable.name.value == name:
                declared = print_ast(variable.type)
    return {
        "message": f"Variable ${name} of type {declared} was provided invalid value",
        "locations": locations(error),
        "extensions": {"problems": [{"path": [], "explanation": explanation}]},
    }
