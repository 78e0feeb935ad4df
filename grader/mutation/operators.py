"""The mistakes mutation plants, found in a source's syntax tree (libclang)
and written as textual edits of the original bytes.

Each operator models a mistake students make with sockets:

    delete-call   a call statement left out: `close(fd);`, `freeaddrinfo(res);`,
                  `setsockopt(...)` as a statement, `t.join();` ...
    unchecked     an error check ignored: `if (cond) { perror; return; }`
                  whose branch is never taken (the condition, call included,
                  still runs: `if (((void)(cond), false))`)
    drop-flag     one flag forgotten: an operand of a `|` of constants
                  (`AI_PASSIVE | AI_NUMERICSERV`), or a lone flag argument
                  (`MSG_NOSIGNAL`, `EPOLLIN`, `O_NONBLOCK`, `SA_RESTART`...) made 0
    one-pass      a loop that runs its body at most once (`break;` at the end
                  of the body): one read() taken for the whole message
    comparison    `<` <-> `<=`, `>` <-> `>=`, `==` <-> `!=`
    constant      an integer literal (2 or more) or an I/O size (`sizeof buf`,
                  a named constant passed to read/recv/write/send/memcpy...) shifted by one
    byte-order    htons/ntohs/htonl/ntohl left out: `htons(port)` -> `port`
    early-return  the function gives up at the start of a SOLUTION region or
                  of a loop's body: `return;`, `return false;`, `return -1;`
                  (`return 0;` in main), `return nullptr;`, `return {};`
    remove-lock   a lock not taken: a `std::lock_guard`/`scoped_lock` deleted,
                  a `std::unique_lock` made with `std::defer_lock`, a
                  `.lock()`/`.unlock()`/`pthread_mutex_lock()` call deleted

One more is known but not made unless asked for (--operator byte-order-swap):
swapping htons with ntohs (htonl with ntohl). Both compute the same byte swap
on every host (an involution, the identity on big-endian ones), so every such
mutant is equivalent: grading them only costs time.

Only nodes wholly inside a SOLUTION region of the file itself are mutated
(never a header's, never a macro's expansion).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import clang.cindex as ci

from .mutants import Edit, Site, normalise, quote
from .sources import SourceFile

K = ci.CursorKind
OPERATORS = ("delete-call", "unchecked", "drop-flag", "one-pass", "comparison", "constant", "byte-order",
             "early-return", "remove-lock")
OPTIONAL_OPERATORS = ("byte-order-swap",)

FUNCTIONS = {K.FUNCTION_DECL, K.CXX_METHOD, K.CONSTRUCTOR, K.DESTRUCTOR, K.FUNCTION_TEMPLATE,
             K.CONVERSION_FUNCTION}
LOOPS = {K.WHILE_STMT, K.FOR_STMT, K.DO_STMT, K.CXX_FOR_RANGE_STMT}
COMPARISONS = {"<": ("<=",), "<=": ("<",), ">": (">=",), ">=": (">",), "==": ("!=",), "!=": ("==",)}
BYTE_ORDER = {"htons": "ntohs", "ntohs": "htons", "htonl": "ntohl", "ntohl": "htonl"}
LOCK_CALLS = {"lock", "unlock", "pthread_mutex_lock", "pthread_mutex_unlock"}
LOCK_TYPES = re.compile(r"\b(lock_guard|scoped_lock|unique_lock)\b")
# What ends a path in an error branch: a branch holding one of these is an error check.
LEAVING_CALLS = {"exit", "_exit", "abort", "perror", "terminate", "quick_exit"}
# A constant that is one flag when it stands alone as a value.
LONE_FLAG = re.compile(r"^(MSG_[A-Z]+|SOCK_NONBLOCK|SOCK_CLOEXEC|AI_[A-Z]+|NI_[A-Z]+|EPOLL(IN|OUT|ET|RDHUP|ONESHOT|PRI|"
                       r"EXCLUSIVE)|O_NONBLOCK|O_CLOEXEC|SA_[A-Z]+|FD_CLOEXEC|MSG_[A-Z]+)$")
OPERATOR = re.compile(rb"^(<<=|>>=|[-+*/%&|^<>=!]=|&&|\|\||<<|>>|[-+*/%&|^<>=,])$")
CONSTANT_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
ZERO_FLAGS = {"O_RDONLY"}  # dropping a flag that is 0 changes nothing
DECIMAL = re.compile(r"^([0-9]+)([uUlL]*)$")
# I/O calls whose size argument (at this index), shifted by one, is a classic
# overflow or short read. (Not snprintf's or memcpy's: their buffers are sized
# with room to spare, and one byte less or more is rarely observable.)
SIZE_ARGUMENT = {"read": 2, "write": 2, "recv": 2, "send": 2, "recvfrom": 2, "sendto": 2, "pread": 2, "pwrite": 2,
                 "Send": 2}
ARITHMETIC = {"+", "-", "*", "/", "%", "<<", ">>", "+=", "-="}
INTEGRAL = {ci.TypeKind.INT, ci.TypeKind.UINT, ci.TypeKind.LONG, ci.TypeKind.ULONG, ci.TypeKind.LONGLONG,
            ci.TypeKind.ULONGLONG, ci.TypeKind.SHORT, ci.TypeKind.USHORT}
SIGNED = {ci.TypeKind.INT, ci.TypeKind.LONG, ci.TypeKind.LONGLONG, ci.TypeKind.SHORT, ci.TypeKind.SCHAR,
          ci.TypeKind.CHAR_S}
UNSIGNED = {ci.TypeKind.UINT, ci.TypeKind.ULONG, ci.TypeKind.ULONGLONG, ci.TypeKind.USHORT, ci.TypeKind.UCHAR,
            ci.TypeKind.CHAR_U}


class ParseError(RuntimeError):
    pass


@dataclass(frozen=True)
class Function:
    name: str            # "main", "FileAttente::Deposer"
    returns: str | None  # the statement that returns at once, None where unknown (a lambda)


def parse(source: SourceFile) -> ci.TranslationUnit:
    args = ["-xc++", "-std=c++17", *(f"-I{d}" for d in source.include_dirs)]
    tu = ci.Index.create().parse(str(source.path), args=args,
                                 unsaved_files=[(str(source.path), source.text.decode(errors="surrogateescape"))])
    errors = [d for d in tu.diagnostics if d.severity >= ci.Diagnostic.Error]
    if errors:
        raise ParseError(f"{source.path}: libclang cannot parse it: {errors[0]}")
    return tu


def find_sites(source: SourceFile, operators: tuple[str, ...] = OPERATORS) -> list[Site]:
    """Every site where one of the operators applies, in source's SOLUTION regions."""
    return _Walker(source, set(operators)).walk(parse(source))


class _Walker:
    def __init__(self, source: SourceFile, operators: set[str]):
        self.source = source
        self.operators = operators
        self.sites: list[Site] = []
        self.stack: list[ci.Cursor] = []  # the ancestors of the node visited
        self.path = str(source.path)

    # --- the walk ---------------------------------------------------------

    def walk(self, tu: ci.TranslationUnit) -> list[Site]:
        for child in tu.cursor.get_children():
            if self._in_file(child):
                self._visit(child, Function("-", None), parent=None)
        return self.sites

    def _visit(self, node: ci.Cursor, function: Function, parent: ci.Cursor | None) -> None:
        kind = node.kind
        if kind in FUNCTIONS and node.is_definition():
            function = Function(_qualified_name(node), _early_return(node))
        elif kind == K.LAMBDA_EXPR:
            function = Function(function.name, None)
        if kind == K.COMPOUND_STMT and self._in_file(node):
            self._block(node, function, parent)  # its statements may be in a region, itself not
        if self._mutable(node):
            self._expression(node, function, parent)
            if kind == K.IF_STMT:
                self._if(node, function)
            elif kind in LOOPS:
                self._loop(node, function)
        self.stack.append(node)
        for child in node.get_children():
            self._visit(child, function, node)
        self.stack.pop()

    # --- helpers ----------------------------------------------------------

    def _in_file(self, node: ci.Cursor) -> bool:
        start, end = node.extent.start, node.extent.end
        return (start.file is not None and end.file is not None and start.file.name == self.path
                and end.file.name == self.path)

    def _mutable(self, node: ci.Cursor) -> bool:
        return self._in_file(node) and self.source.in_region(node.extent.start.offset, node.extent.end.offset)

    def _text(self, node_or_start, end: int | None = None) -> str:
        if end is None:
            start, end = node_or_start.extent.start.offset, node_or_start.extent.end.offset
        else:
            start = node_or_start
        return self.source.text[start:end].decode(errors="replace")

    def _add(self, operator: str, function: Function, original: str, change: str, *edits: Edit) -> None:
        if operator in self.operators and all(self.source.in_region(e.start, e.end) for e in edits):
            self.sites.append(Site(self.source, function.name, operator, normalise(original), change, edits))

    def _statement_end(self, node: ci.Cursor) -> int | None:
        """The offset just past the ';' that ends an expression statement."""
        text = self.source.text
        position = node.extent.end.offset
        while position < len(text) and text[position:position + 1] in b" \t":
            position += 1
        return position + 1 if text[position:position + 1] == b";" else None

    def _delete_statement(self, start: int, end: int) -> Edit:
        """Delete bytes start..end; the whole line when nothing else is on it."""
        text = self.source.text
        line_start = text.rfind(b"\n", 0, start) + 1
        line_end = text.find(b"\n", end)
        line_end = len(text) if line_end == -1 else line_end
        if not text[line_start:start].strip() and not text[end:line_end].strip() and line_end < len(text):
            return Edit(line_start, line_end + 1, b"")
        return Edit(start, end, b"")

    def _indent(self, offset: int) -> bytes:
        text = self.source.text
        line_start = text.rfind(b"\n", 0, offset) + 1
        return re.match(rb"[ \t]*", text[line_start:]).group(0)

    # --- statements in a block: delete-call, remove-lock, early-return ----

    def _block(self, block: ci.Cursor, function: Function, parent: ci.Cursor | None) -> None:
        statements = [child for child in block.get_children() if self._in_file(child)]
        is_body = parent is not None and (parent.kind in FUNCTIONS or parent.kind in LOOPS)
        for index, statement in enumerate(statements):
            if not self._mutable(statement):
                continue
            self._call_statement(statement, function)
            self._lock_declaration(statement, function)
            first_in_region = index == 0 or not self._mutable(statements[index - 1]) or \
                not self._same_region(statements[index - 1], statement)
            if is_body and first_in_region and function.returns is not None:
                self._early_return(statement, function, parent)

    def _same_region(self, a: ci.Cursor, b: ci.Cursor) -> bool:
        return self.source.in_region(a.extent.start.offset, b.extent.end.offset)

    def _call_statement(self, statement: ci.Cursor, function: Function) -> None:
        call = _unwrap(statement)
        if call.kind != K.CALL_EXPR or not call.spelling or call.spelling.startswith("operator"):
            return
        if not _is_named_call(call):
            return
        end = self._statement_end(statement)
        if end is None:
            return
        text = self._text(statement)
        operator = "remove-lock" if call.spelling in LOCK_CALLS else "delete-call"
        self._add(operator, function, text, f"delete call {quote(text)}",
                  self._delete_statement(statement.extent.start.offset, end))

    def _lock_declaration(self, statement: ci.Cursor, function: Function) -> None:
        if statement.kind != K.DECL_STMT:
            return
        variables = list(statement.get_children())
        if len(variables) != 1 or variables[0].kind != K.VAR_DECL:
            return
        kind = LOCK_TYPES.search(variables[0].type.spelling)
        if not kind:
            return
        text = self._text(statement)
        start, end = statement.extent.start.offset, statement.extent.end.offset
        if kind.group(1) != "unique_lock":
            self._add("remove-lock", function, text, f"delete {quote(text.rstrip(';'))}: the mutex is not taken",
                      self._delete_statement(start, end))
            return
        body = self.source.text[start:end].rstrip()
        closing = body.rstrip(b";").rstrip()
        if closing[-1:] not in (b")", b"}"):
            return
        at = start + len(closing) - 1
        self._add("remove-lock", function, text, f"{quote(text.rstrip(';'))} made with std::defer_lock: "
                  "the mutex is not taken", Edit(at, at, b", std::defer_lock"))

    def _early_return(self, statement: ci.Cursor, function: Function, parent: ci.Cursor) -> None:
        where = "the loop's body" if parent.kind in LOOPS else "the region"
        start = statement.extent.start.offset
        indent = self._indent(start)
        at_line_start = not self.source.text[start - len(indent):start].strip()
        replacement = function.returns.encode() + (b"\n" + indent if at_line_start else b" ")
        first_line = self._text(statement).splitlines()[0]
        self._add("early-return", function, first_line, f"`{function.returns}` at the start of {where}, "
                  f"before {quote(first_line)}", Edit(start, start, replacement))

    # --- unchecked: an error branch never taken --------------------------

    def _if(self, node: ci.Cursor, function: Function) -> None:
        text = self.source.text
        start = node.extent.start.offset
        head = re.match(rb"if\s*\(", text[start:start + 64])
        if not head:
            return  # if constexpr, or a macro
        open_at = start + head.end() - 1
        close_at = _matching(text, open_at)
        if close_at is None or b";" in _code_only(text[open_at + 1:close_at]):
            return  # if (init; cond): leave it
        cond_start, cond_end = open_at + 1, close_at
        children = list(node.get_children())
        if any(child.kind in (K.DECL_STMT, K.VAR_DECL) for child in children):
            return
        branches = [child for child in children if child.extent.start.offset > close_at]
        if len(branches) != 1 or not _leaves(branches[0]):
            return  # an else branch, or a branch that does not end the path: not an error check
        condition = self._text(cond_start, cond_end)
        effects = any(_descendants(node, lambda c: c.kind == K.CALL_EXPR and
                                   cond_start <= c.extent.start.offset < cond_end))
        effects = effects or re.search(r"(?<![=!<>])=(?!=)|\+\+|--", condition) is not None
        replacement = f"((void)({condition.strip()}), false)" if effects else "false"
        self._add("unchecked", function, condition, f"never take the branch of `if ({quote(condition)[1:-1]})`",
                  Edit(cond_start, cond_end, replacement.encode()))

    # --- one-pass ----------------------------------------------------------

    def _loop(self, node: ci.Cursor, function: Function) -> None:
        children = list(node.get_children())
        if not children:
            return
        body = children[0] if node.kind == K.DO_STMT else children[-1]
        if not self._in_file(body):
            return
        head = self._text(node).splitlines()[0].strip()
        change = f"the loop {quote(head)} runs its body at most once"
        start, end = body.extent.start.offset, body.extent.end.offset
        if body.kind == K.COMPOUND_STMT:
            text = self.source.text
            closing = end - 1
            line_start = text.rfind(b"\n", 0, closing) + 1
            if not text[line_start:closing].strip():
                edit = Edit(line_start, line_start, self._indent(closing) + b"    break;\n")
            else:
                edit = Edit(closing, closing, b" break; ")
        else:
            statement_end = self._statement_end(body) if body.kind != K.NULL_STMT else None
            if statement_end is None and not self._text(body).rstrip().endswith((";", "}")):
                return
            end = statement_end or end
            edit = Edit(start, end, b"{ " + self.source.text[start:end] + b" break; }")
        self._add("one-pass", function, head, change, edit)

    # --- expressions: comparison, drop-flag, constant, byte-order ----------

    def _expression(self, node: ci.Cursor, function: Function, parent: ci.Cursor | None) -> None:
        kind = node.kind
        if kind == K.BINARY_OPERATOR:
            self._binary(node, function, parent)
        elif kind == K.COMPOUND_ASSIGNMENT_OPERATOR:
            self._compound_assignment(node, function)
        elif kind == K.INTEGER_LITERAL:
            self._literal(node, function)
        elif kind == K.CALL_EXPR:
            self._call(node, function)

    def _operator_token(self, node: ci.Cursor) -> tuple[ci.Cursor, ci.Cursor, str, int] | None:
        """(lhs, rhs, operator, its offset) of a binary node: the operator is
        the text between its operands (libclang gives no tokens for a node
        whose operands are macros, AI_PASSIVE | AI_NUMERICSERV)."""
        children = list(node.get_children())
        if len(children) != 2 or not all(self._in_file(c) for c in children):
            return None
        lhs, rhs = children
        between = self.source.text[lhs.extent.end.offset:rhs.extent.start.offset]
        spelling = between.strip()
        if not spelling or not OPERATOR.match(spelling):
            return None  # both from one macro's expansion, or a comment in between
        return lhs, rhs, spelling.decode(), lhs.extent.end.offset + between.index(spelling)

    def _binary(self, node: ci.Cursor, function: Function, parent: ci.Cursor | None) -> None:
        found = self._operator_token(node)
        if found is None:
            return
        lhs, rhs, spelling, at = found
        if spelling in COMPARISONS:
            text = self._text(node)
            for other in COMPARISONS[spelling]:
                self._add("comparison", function, text, f"`{spelling}` -> `{other}` in {quote(text)}",
                          Edit(at, at + len(spelling), other.encode()))
        elif spelling == "|" and not (parent is not None and parent.kind == K.BINARY_OPERATOR
                                      and self._is_or(parent)):
            self._flags(node, function)
        elif spelling == "=":
            self._lone_flag(rhs, function)

    def _is_or(self, node: ci.Cursor) -> bool:
        found = self._operator_token(node)
        return found is not None and found[2] == "|"

    def _or_operands(self, node: ci.Cursor) -> list[ci.Cursor]:
        inner = _unwrap(node)
        if inner.kind == K.BINARY_OPERATOR and self._is_or(inner):
            lhs, rhs = list(inner.get_children())
            return self._or_operands(lhs) + self._or_operands(rhs)
        return [node]

    def _flags(self, node: ci.Cursor, function: Function) -> None:
        operands = self._or_operands(node)
        texts = [self._text(operand).strip() for operand in operands]
        whole = self._text(node)
        for index, text in enumerate(texts):
            if not CONSTANT_NAME.match(text) or text in ZERO_FLAGS:
                continue
            rest = " | ".join(texts[:index] + texts[index + 1:])
            self._add("drop-flag", function, whole, f"drop `{text}` from {quote(whole)}",
                      Edit(node.extent.start.offset, node.extent.end.offset, rest.encode()))

    def _lone_flag(self, value: ci.Cursor, function: Function) -> None:
        text = self._text(value).strip()
        if LONE_FLAG.match(text) and self._mutable(value):
            self._add("drop-flag", function, text, f"`{text}` -> `0`",
                      Edit(value.extent.start.offset, value.extent.end.offset, b"0"))

    def _compound_assignment(self, node: ci.Cursor, function: Function) -> None:
        found = self._operator_token(node)
        if found is None or found[2] != "|=":
            return
        rhs = found[1]
        operands = self._or_operands(rhs)
        if len(operands) > 1:
            self._flags(rhs, function)
        elif CONSTANT_NAME.match(self._text(rhs).strip()):
            text = self._text(rhs).strip()
            self._add("drop-flag", function, self._text(node), f"`{text}` -> `0` in {quote(self._text(node))}",
                      Edit(rhs.extent.start.offset, rhs.extent.end.offset, b"0"))

    def _literal(self, node: ci.Cursor, function: Function) -> None:
        """A literal operand of arithmetic or of a comparison (a bound: `i < 2`,
        `n + 2`); not an index, a size of array, an argument or a value stored."""
        context = next((a for a in reversed(self.stack) if a.kind not in (K.UNEXPOSED_EXPR, K.PAREN_EXPR)), None)
        if context is None or context.kind not in (K.BINARY_OPERATOR, K.COMPOUND_ASSIGNMENT_OPERATOR):
            return
        found = self._operator_token(context)
        if found is None or found[2] not in ARITHMETIC and found[2] not in COMPARISONS:
            return
        self._shift_literal(node, function, self._text(context))

    def _shift_literal(self, node: ci.Cursor, function: Function, context: str) -> None:
        match = DECIMAL.match(self._text(node))
        if not match or int(match.group(1)) < 2:
            return
        value, suffix = int(match.group(1)), match.group(2)
        for shifted in (value + 1, value - 1):
            self._add("constant", function, context, f"`{value}` -> `{shifted}` in {quote(context)}",
                      Edit(node.extent.start.offset, node.extent.end.offset, f"{shifted}{suffix}".encode()))

    def _call(self, node: ci.Cursor, function: Function) -> None:
        name = node.spelling
        arguments = list(node.get_arguments())
        if name in BYTE_ORDER and len(arguments) == 1 and self._in_file(arguments[0]):
            text = self._text(node)
            argument = self._text(arguments[0])
            self._add("byte-order", function, text, f"{quote(text)} -> `({argument})`",
                      Edit(node.extent.start.offset, node.extent.end.offset, f"({argument})".encode()))
            start = node.extent.start.offset
            if text.startswith(name):
                self._add("byte-order-swap", function, text, f"`{name}` -> `{BYTE_ORDER[name]}` in {quote(text)}",
                          Edit(start, start + len(name), BYTE_ORDER[name].encode()))
        for index, argument in enumerate(arguments):
            if not self._mutable(argument):
                continue
            self._lone_flag(argument, function)
            if SIZE_ARGUMENT.get(name) != index:
                continue
            call = self._text(node)
            if _unwrap(argument).kind == K.INTEGER_LITERAL:
                self._shift_literal(_unwrap(argument), function, call)
            elif _is_bound(argument):
                text = self._text(argument)
                for sign in ("+", "-"):
                    self._add("constant", function, call, f"`{normalise(text)}` -> `{normalise(text)} {sign} 1` "
                              f"in {quote(call)}", Edit(argument.extent.start.offset, argument.extent.end.offset,
                                                       f"({text} {sign} 1)".encode()))


# --- pure functions of the tree ---------------------------------------------

def _unwrap(node: ci.Cursor) -> ci.Cursor:
    """Through the implicit nodes (casts, cleanups, parentheses) to the expression."""
    while node.kind in (K.UNEXPOSED_EXPR, K.PAREN_EXPR):
        children = list(node.get_children())
        if len(children) != 1:
            break
        node = children[0]
    return node


def _is_named_call(call: ci.Cursor) -> bool:
    """A call of a function or method by its name (not a constructed temporary)."""
    children = list(call.get_children())
    if not children:
        return False
    callee = _unwrap(children[0])
    return callee.kind in (K.DECL_REF_EXPR, K.MEMBER_REF_EXPR, K.OVERLOADED_DECL_REF)


def _is_bound(argument: ci.Cursor) -> bool:
    """sizeof x, or a named integral constant of a namespace or class (kReadSize)."""
    inner = _unwrap(argument)
    if inner.kind == K.CXX_UNARY_EXPR:
        return True
    declared = inner.referenced if inner.kind == K.DECL_REF_EXPR else None
    if declared is None or declared.kind != K.VAR_DECL:
        return False
    scope = declared.semantic_parent
    return (declared.type.is_const_qualified() and declared.type.get_canonical().kind in INTEGRAL
            and scope is not None and scope.kind in (K.NAMESPACE, K.TRANSLATION_UNIT, K.CLASS_DECL, K.STRUCT_DECL))


def _code_only(text: bytes) -> bytes:
    """text with its string and character literals and comments blanked out."""
    return re.sub(rb'"(\\.|[^"\\])*"|\'(\\.|[^\'\\])*\'|//[^\n]*|/\*.*?\*/', lambda m: b" " * len(m.group(0)),
                  text, flags=re.DOTALL)


def _matching(text: bytes, open_at: int) -> int | None:
    """The offset of the ')' that closes the '(' at open_at."""
    code = _code_only(text[open_at:])
    depth = 0
    for index, byte in enumerate(code):
        if byte == ord("("):
            depth += 1
        elif byte == ord(")"):
            depth -= 1
            if depth == 0:
                return open_at + index
    return None


def _descendants(node: ci.Cursor, wanted) -> list[ci.Cursor]:
    return [c for c in node.walk_preorder() if wanted(c)]


def _leaves(branch: ci.Cursor) -> bool:
    """Whether a branch ends its path: it returns, breaks, continues, throws,
    exits or reports an error (perror)."""
    return bool(_descendants(branch, lambda c: c.kind in (K.RETURN_STMT, K.BREAK_STMT, K.CONTINUE_STMT,
                                                          K.CXX_THROW_EXPR, K.GOTO_STMT)
                             or (c.kind == K.CALL_EXPR and c.spelling in LEAVING_CALLS)))


def _qualified_name(node: ci.Cursor) -> str:
    parts = [node.spelling]
    parent = node.semantic_parent
    while parent is not None and parent.kind in (K.CLASS_DECL, K.STRUCT_DECL, K.CLASS_TEMPLATE):
        parts.insert(0, parent.spelling)
        parent = parent.semantic_parent
    return "::".join(parts)


def _early_return(function: ci.Cursor) -> str:
    """The statement by which a function gives up at once, with its natural value."""
    if function.kind in (K.CONSTRUCTOR, K.DESTRUCTOR):
        return "return;"
    kind = function.result_type.get_canonical().kind
    if kind == ci.TypeKind.VOID:
        return "return;"
    if kind == ci.TypeKind.BOOL:
        return "return false;"
    if function.spelling == "main":
        return "return 0;"
    if kind in SIGNED:
        return "return -1;"
    if kind in UNSIGNED:
        return "return 0;"
    if kind == ci.TypeKind.POINTER:
        return "return nullptr;"
    return "return {};"

