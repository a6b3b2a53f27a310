"""The ``bedrockcache`` command.

Exit codes (stable, documented in the README):
  0  success: no diagnostics (lint), or caching will apply (audit --strict)
  1  lint found diagnostics; audit or trace --strict and caching will not apply
  2  bad input or usage: unreadable file, invalid JSON, unknown backend, rule code or config key
  3  internal error: a bug of bedrockcache's (pytest's convention), reported as one line
trace exits with the traced program's own code when that is not 0 (128 + N when signal N killed it).
Errors are one line on stderr, never a traceback (BEDROCKCACHE_TRACEBACK=1 adds the traceback
of an internal error).
"""

from __future__ import annotations

import errno
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from bedrockcache import __version__
from bedrockcache.backends import Backend, parse_backend
from bedrockcache.output import FORMATS
from bedrockcache.rules.catalogue import catalogue
from bedrockcache.rules.model import Example, Rule

if TYPE_CHECKING:
    from bedrockcache.audit import AuditReport

EXIT_OK, EXIT_NOT_CACHING, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
TRACEBACK_ENV = "BEDROCKCACHE_TRACEBACK"


def _fail(message: str) -> NoReturn:
    click.echo(f"bedrockcache: error: {message}", err=True)
    sys.exit(EXIT_USAGE)


def _crash(exc: Exception) -> NoReturn:
    """An exception nothing else handled is a bug of ours: one line and exit 3, the traceback
    only on request, so a crash is told apart from a finding (1) and a usage error (2)."""
    from bedrockcache.output import ISSUES

    if os.environ.get(TRACEBACK_ENV):
        import traceback

        traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
    text = " ".join(str(exc).split())
    what = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    click.echo(
        f"bedrockcache: internal error ({what}); please report it at {ISSUES} "
        f"(set {TRACEBACK_ENV}=1 for the traceback)",
        err=True,
    )
    sys.exit(EXIT_INTERNAL)


class _UsageError(click.UsageError):
    """A usage error as one line on stderr (exit 2), like every other error of the CLI:
    ``bedrockcache: error: no such option '--foo' (see 'bedrockcache lint --help')``."""

    def __init__(self, error: click.UsageError, command_path: str) -> None:
        super().__init__(error.format_message(), error.ctx)
        self.exit_code = error.exit_code
        self.command_path = command_path

    def show(self, file: Any = None) -> None:
        message = " ".join(self.format_message().split()).rstrip(".")
        if message[:1].isupper() and message[1:2].islower():
            message = message[0].lower() + message[1:]  # "No such option" -> "no such option"
        click.echo(f"bedrockcache: error: {message} (see '{self.command_path} --help')", err=True)


# click >= 8.2 raises this for a bare `bedrockcache`: the help it prints is the right answer.
_HELP_ERRORS = tuple(
    e for e in (getattr(click.exceptions, "NoArgsIsHelpError", None),) if e is not None
)


def _one_line(error: click.UsageError, ctx: click.Context | None) -> click.UsageError:
    """``error`` as one line, naming the help of the command it is about: the subcommand's
    when the group had picked one (click leaves ``error.ctx`` empty for some parse errors)."""
    if isinstance(error, (_UsageError, *_HELP_ERRORS)):
        return error
    if error.ctx is not None and error.ctx.command is not getattr(ctx, "command", None):
        path = error.ctx.command_path
    elif ctx is not None:
        sub = ctx.invoked_subcommand
        path = f"{ctx.command_path} {sub}" if sub else ctx.command_path
    else:
        path = "bedrockcache"
    return _UsageError(error, path)


class _Main(click.Group):
    """The top-level group: one policy for what no command handled."""

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        try:
            return super().make_context(*args, **kwargs)
        except click.UsageError as error:  # a bad option or argument of the group itself
            raise _one_line(error, error.ctx) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as error:  # a subcommand's bad option, argument or choice
            raise _one_line(error, ctx) from None
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except OSError as exc:
            if exc.errno == errno.EPIPE:
                raise  # a closed pipe (`| head`): click's main exits quietly
            _crash(exc)
        except Exception as exc:
            _crash(exc)


@click.group("bedrockcache", cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="bedrockcache")
def main() -> None:
    """Find broken Anthropic prompt caching on AWS Bedrock before it reaches the bill."""


def _read_request(path: str) -> Any:
    name = "<stdin>" if path == "-" else path
    try:
        raw = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        _fail(f"cannot read {name}: {exc.strerror or exc}")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        _fail(f"{name} is not UTF-8 text (byte {exc.start})")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        _fail(f"{name} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}")
    except RecursionError:
        _fail(f"{name} is nested too deeply to read")
    except ValueError as exc:  # a number with more digits than Python reads
        _fail(f"{name} cannot be read: {str(exc).split(';')[0]}")


def _backend(name: str | None) -> Backend | None:
    if name is None:
        return None
    try:
        return parse_backend(name)
    except ValueError as exc:
        _fail(str(exc))


_backend_option = click.option(
    "--backend",
    "backend_name",
    metavar="NAME",
    help="Layer the request goes through: "
    + ", ".join(b.value for b in Backend)
    + ". Detected from the request's shape when omitted.",
)


# The output of the commands that print audit reports (audit, trace).
_report_format_option = click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
)


@main.command("audit")
@click.argument("file", default="-", metavar="FILE|-")
@_backend_option
@click.option("--strict", is_flag=True, help="Exit 1 when caching will not apply.")
@_report_format_option
def audit_command(file: str, backend_name: str | None, strict: bool, output_format: str) -> None:
    """Audit one request (JSON file, or - for stdin): will prompt caching apply on Bedrock?"""
    from bedrockcache.audit import audit

    backend = _backend(backend_name)
    request = _read_request(file)
    try:
        report = audit(request, backend)
    except ValueError as exc:  # RequestError included
        _fail(str(exc))
    click.echo(_report_json(report) if output_format == "json" else _report_text(report))
    sys.exit(EXIT_NOT_CACHING if strict and not report.will_cache else EXIT_OK)


def _report_text(report: AuditReport) -> str:
    detected = " (detected)" if report.backend_detected else ""
    lines = [
        f"backend:           {report.backend.value}{detected}",
        f"will_cache:        {report.will_cache}",
        f"breakpoint_count:  {report.breakpoint_count}",
    ]
    if report.model is not None:
        name = report.model.model.name if report.model.model else "not in the model data"
        lines.append(f"model:             {report.model.raw} ({name})")
    if report.cached_tokens is not None:
        lines.append(f"cached_tokens:     {report.cached_tokens}")
    if report.reasons:
        lines.append("reasons:")
        lines += [f"  [{sev}] {message}" for sev, message in report.reasons]
    if report.notes:
        lines.append("notes:")
        lines += [f"  - {note}" for note in report.notes]
    if report.recommendations:
        lines.append("recommendations:")
        lines += [f"  - {r}" for r in report.recommendations]
    if report.unaudited:
        lines.append("unaudited:")
        lines += [f"  - {u}" for u in report.unaudited]
    return "\n".join(lines)


def _report_json(report: AuditReport) -> str:
    return json.dumps(_report_data(report), indent=2)


def _report_data(report: AuditReport) -> dict[str, Any]:
    band = report.cached_tokens
    data = {
        "backend": report.backend.value,
        "backend_detected": report.backend_detected,
        "will_cache": report.will_cache,
        "breakpoint_count": report.breakpoint_count,
        "model": report.model.raw if report.model else None,
        "cached_tokens": None if band is None else {"low": band.low, "high": band.high},
        "findings": [
            {
                "code": f.code,
                "severity": f.severity.value,
                "outcome": f.outcome.value,
                "message": f.message,
                "path": f.path,
                "fix": f.fix,
            }
            for f in report.findings
        ],
        "reasons": [list(r) for r in report.reasons],
        "notes": report.notes,
        "recommendations": report.recommendations,
        "unaudited": report.unaudited,
    }
    return data


@main.command(
    "trace",
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
)
@click.option(
    "--passthrough", is_flag=True, help="Let requests go on to Bedrock (default: offline)."
)
@click.option("--strict", is_flag=True, help="Exit 1 when a captured request will not cache.")
@_report_format_option
@click.option("-o", "--output-file", type=click.Path(path_type=Path), help="Write to a file.")
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED, metavar="-- COMMAND")
def trace_command(
    passthrough: bool,
    strict: bool,
    output_format: str,
    output_file: Path | None,
    command: tuple[str, ...],
) -> None:
    """Run a Python program with capture on and audit every Bedrock request it sent.

    Offline by default: each request is answered in-process, so no credentials or network are
    needed. Exits with the program's exit code when it fails (128 + N when signal N killed it,
    as a shell reports it); otherwise 0, or 1 with --strict when a request will not cache.
    """
    from bedrockcache.tracing import TraceError, run

    try:
        code, requests = run(list(command), passthrough=passthrough)
    except TraceError as exc:
        _fail(str(exc))
    if output_format == "json":
        data = {
            "command": list(command),
            "exit_code": code,
            "requests": [
                {
                    "index": r.index,
                    "operation": r.operation,
                    "model_id": r.model_id,
                    "client": r.client,
                    "report": _report_data(r.report),
                }
                for r in requests
            ],
        }
        text = json.dumps(data, indent=2)
    else:
        blocks = [f"{r.describe()}\n" + _indent(_report_text(r.report)) for r in requests]
        caching = sum(r.report.will_cache for r in requests)
        if requests:
            summary = f"{len(requests)} Bedrock request(s): {caching} will cache, "
            summary += f"{len(requests) - caching} will not"
        else:
            summary = "no Bedrock request was captured"
        text = "\n\n".join([*blocks, summary])
    if output_file is not None:
        try:
            output_file.write_text(text + "\n", encoding="utf-8")
        except OSError as exc:
            _fail(f"cannot write {output_file}: {exc.strerror or exc}")
    else:
        click.echo(text)
    if code != 0:
        sys.exit(code)
    failing = any(not r.report.will_cache for r in requests)
    sys.exit(EXIT_NOT_CACHING if strict and failing else EXIT_OK)


def _indent(text: str) -> str:
    return "\n".join(f"  {line}" for line in text.splitlines())


# The cache lives at the project root, found as the config is: lint and clean share these.
_cache_dir_option = click.option(
    "--cache-dir",
    type=click.Path(path_type=Path),
    help="Default: .bedrockcache_cache in the directory of the pyproject.toml with a "
    "[tool.bedrockcache] table (found upward), else in the working directory.",
)
_config_option = click.option(
    "--config", "config_file", type=click.Path(path_type=Path), help="Config file to use."
)
_isolated_option = click.option("--isolated", is_flag=True, help="Ignore every config file.")


@main.command("lint")
# readable=False: a path that cannot be read is the run's BC005 diagnostic, not a usage error.
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path, readable=False))
@click.option(
    "--output-format",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    envvar="BEDROCKCACHE_OUTPUT_FORMAT",
    help="How diagnostics are printed (env BEDROCKCACHE_OUTPUT_FORMAT).",
)
@click.option("-o", "--output-file", type=click.Path(path_type=Path), help="Write to a file.")
@click.option("--select", multiple=True, metavar="CODES", help="Rule codes or prefixes to enable.")
@click.option("--ignore", multiple=True, metavar="CODES", help="Rule codes or prefixes to disable.")
@click.option("--extend-select", multiple=True, metavar="CODES", help="Enable these as well.")
@click.option("--per-file-ignores", multiple=True, metavar="GLOB:CODES", help="e.g. tests/*:BC101")
@click.option("--exclude", multiple=True, metavar="PATTERN", help="Replace the default excludes.")
@click.option("--extend-exclude", multiple=True, metavar="PATTERN", help="Exclude these as well.")
@click.option(
    "--force-exclude", is_flag=True, help="Apply excludes to paths given explicitly (pre-commit)."
)
@click.option("--statistics", is_flag=True, help="Count diagnostics per rule instead.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are diagnostics.")
@click.option(
    "--show-unresolved", is_flag=True, help="List the call sites that could not be fully audited."
)
@click.option("--no-cache", is_flag=True, help="Neither read nor write the result cache.")
@_cache_dir_option
@_config_option
@_isolated_option
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Worker processes (default: cores).")
@click.option("-q", "--quiet", is_flag=True, help="Print diagnostics only, no summary.")
@click.option(
    "--fix/--no-fix",
    default=None,
    help="Apply safe fixes (config: fix = true); with - print the fixed source.",
)
@click.option(
    "--unsafe-fixes/--no-unsafe-fixes",
    default=None,
    help="Apply unsafe fixes too, with --fix or --diff (config: unsafe-fixes = true).",
)
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff; change nothing.")
def lint_command(
    paths: tuple[Path, ...],
    output_format: str,
    output_file: Path | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    extend_select: tuple[str, ...],
    per_file_ignores: tuple[str, ...],
    exclude: tuple[str, ...],
    extend_exclude: tuple[str, ...],
    force_exclude: bool,
    statistics: bool,
    exit_zero: bool,
    show_unresolved: bool,
    no_cache: bool,
    cache_dir: Path | None,
    config_file: Path | None,
    isolated: bool,
    jobs: int | None,
    quiet: bool,
    fix: bool | None,
    unsafe_fixes: bool | None,
    diff: bool,
) -> None:
    """Find Bedrock call sites in Python source and report broken prompt caching.

    PATHS may be - to read one file from stdin.

    \b
    Exit codes:
      0  no diagnostics
      1  diagnostics (a file that cannot be read, decoded or parsed is one)
      2  usage or configuration error
      3  internal error: a bug of bedrockcache's stopped the checking of a file
    """
    from bedrockcache.config import ConfigError, load_settings
    from bedrockcache.facts import FactsError
    from bedrockcache.lint.runner import lint_paths
    from bedrockcache.output import internal_error_message, render

    targets = list(paths) or [Path(".")]
    try:  # only settings and the output format are the user's to get wrong (exit 2)
        settings = load_settings(
            _config_start(targets),
            config=config_file,
            isolated=isolated,
            select=select,
            ignore=ignore,
            extend_select=extend_select,
            per_file_ignores=per_file_ignores,
            exclude=exclude,
            extend_exclude=extend_exclude,
        )
    except (ConfigError, FactsError, ValueError) as exc:
        _fail(str(exc))
    fixing = (settings.fix if fix is None else fix) and not diff
    unsafe = settings.unsafe_fixes if unsafe_fixes is None else unsafe_fixes
    diff_exit = None
    try:
        if targets == [Path("-")]:
            result, diff_exit = _lint_stdin(settings, fixing=fixing, diff=diff, unsafe=unsafe)
        else:
            result = lint_paths(
                targets,
                settings,
                force_exclude=force_exclude,
                cache_dir=cache_dir,
                use_cache=not no_cache,
                jobs=jobs,
            )
            result.unsafe_fixes = unsafe
            for path, reason in result.skipped:
                click.echo(f"bedrockcache: warning: {path}: {reason}; skipped", err=True)
            if fixing or diff:
                from bedrockcache.lint.cache import default_cache_dir

                cached = None if no_cache else cache_dir or default_cache_dir(settings.root)
                diff_exit = _fix_files(
                    result, settings, unsafe=unsafe, diff=diff, jobs=jobs, cache_dir=cached
                )
    except OSError as exc:  # a path that does not exist, a file that vanished mid-fix
        _fail(
            str(exc) if not exc.filename else f"cannot read {exc.filename}: {exc.strerror or exc}"
        )
    shown = False  # whether the report reached the terminal as text
    if diff_exit is None:
        try:
            text = render(
                output_format,
                result,
                show_unresolved=show_unresolved,
                statistics=statistics,
                quiet=quiet,
                cwd=Path.cwd(),
            )
        except ValueError as exc:  # options the format refuses (--statistics with sarif)
            _fail(str(exc))
        if output_file is not None:
            try:
                output_file.write_text(text, encoding="utf-8")
            except OSError as exc:
                _fail(f"cannot write {output_file}: {exc.strerror or exc}")
        else:
            shown = output_format in ("text", "concise")
            if text:
                # With `lint - --fix` stdout carries the fixed source: the report goes to stderr.
                to_stderr = fixing and targets == [Path("-")]
                click.echo(text, nl=not text.endswith("\n"), err=to_stderr)
    if result.internal_errors:  # even with --exit-zero: the run is incomplete, not clean
        if not shown:
            for error in result.internal_errors:
                message = internal_error_message(error)
                click.echo(f"bedrockcache: {error.path}: {message}", err=True)
        sys.exit(EXIT_INTERNAL)
    if diff_exit is not None:
        sys.exit(diff_exit)
    sys.exit(EXIT_OK if exit_zero or not result.diagnostics else EXIT_NOT_CACHING)


def _lint_stdin(settings: Any, *, fixing: bool, diff: bool, unsafe: bool) -> tuple[Any, int | None]:
    """``lint -``: with --fix the fixed source goes to stdout (diagnostics to stderr), as ruff
    does; with --diff the diff (and its exit code); otherwise the usual report."""
    from bedrockcache.lint.fixes.files import encode, read_source
    from bedrockcache.lint.fixes.run import lint_stdin

    data = sys.stdin.buffer.read()
    result, fixed = lint_stdin(data, "-", settings, fix=fixing or diff, unsafe=unsafe)
    # stdin is a file like any other: its bytes are decoded and re-encoded exactly as a file's
    # are (BOM, CRLF), and bytes that are not text go back out unchanged.
    source = read_source(data) if fixed is not None else None
    if diff:
        changes = [("-", source.text, fixed)] if source is not None and fixed is not None else []
        return result, _print_diffs(changes, result.fixed)
    if fixing:
        out = encode(source, fixed) if source is not None and fixed is not None else None
        sys.stdout.buffer.write(data if out is None else out)
        sys.stdout.buffer.flush()
    return result, None


def _fix_files(
    result: Any, settings: Any, *, unsafe: bool, diff: bool, jobs: int | None, cache_dir: Any
) -> int | None:
    """Fixes (or with ``diff`` prints) what ``result`` found; with ``diff``, its exit code."""
    from bedrockcache.lint.fixes.run import fix_result

    run = fix_result(
        result, settings, unsafe=unsafe, write=not diff, jobs=jobs, cache_dir=cache_dir
    )
    for d in run.rejected:
        click.echo(
            f"bedrockcache: warning: the fix for {d.code} at {d.path}:{d.line}:{d.column} "
            "produced invalid Python and was not applied; please report it",
            err=True,
        )
    for path, reason in run.unwritable:
        click.echo(f"bedrockcache: error: cannot write {path}: {reason}; not fixed", err=True)
    if diff:
        return _print_diffs([(c.path, c.before, c.after) for c in run.changes], result.fixed)
    return None


def _print_diffs(changes: list[tuple[str, str, str]], fixed: int) -> int:
    """ruff's --diff: the unified diffs on stdout, "Would fix N errors." on stderr; the exit
    code is 1 when there is anything to fix."""
    import difflib

    for path, before, after in changes:
        lines = difflib.unified_diff(
            before.splitlines(keepends=True), after.splitlines(keepends=True), path, path
        )
        text = "".join(line if line.endswith("\n") else line + "\n" for line in lines)
        click.echo(text, nl=False)
    if fixed:
        click.echo(f"Would fix {fixed} error{'s' if fixed != 1 else ''}.", err=True)
    else:
        click.echo("No errors would be fixed.", err=True)
    return EXIT_NOT_CACHING if changes else EXIT_OK


def _config_start(targets: list[Path]) -> Path:
    """Where the config search starts: the deepest directory holding every path given."""
    absolute = [os.path.abspath(t) for t in targets]
    try:
        common = os.path.commonpath(absolute)
    except ValueError:
        return Path.cwd()
    return Path(common) if os.path.isdir(common) else Path(common).parent


@main.command("clean")
@_cache_dir_option
@_config_option
@_isolated_option
def clean_command(cache_dir: Path | None, config_file: Path | None, isolated: bool) -> None:
    """Remove the lint result cache: the one `bedrockcache lint` run here would use."""
    from bedrockcache.config import ConfigError, load_settings
    from bedrockcache.lint.cache import clear, default_cache_dir

    try:
        if cache_dir is None:  # the root a lint run from here finds (config, else cwd)
            root = load_settings(Path.cwd(), config=config_file, isolated=isolated).root
            cache_dir = default_cache_dir(root)
        removed = clear(cache_dir)
    except (ConfigError, ValueError, OSError) as exc:
        _fail(str(exc))
    click.echo(f"removed {cache_dir}" if removed else f"no cache at {cache_dir}")


@main.command("server")
def server_command() -> None:
    """Run the language server over stdio (for editors; needs the `lsp` extra)."""
    from bedrockcache.server import MissingExtra, serve

    try:
        serve()
    except MissingExtra as exc:
        _fail(str(exc))


@main.command("rules")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
)
def rules_command(output_format: str) -> None:
    """List every rule in the catalogue."""
    entries = list(catalogue().values())
    if output_format == "json":
        click.echo(json.dumps([_rule_json(r) for r in entries], indent=2))
        return
    width = max(len(r.name) for r in entries)
    layer_width = max(len(r.layer) for r in entries)
    for r in entries:
        columns = (
            r.code,
            f"{r.name:<{width}}",
            f"{r.severity.value:<7}",
            f"{r.layer:<{layer_width}}",
            f"{_fix_mark(r):<6}",
        )
        click.echo("  ".join((*columns, r.summary)))


def _fix_mark(r: Rule) -> str:
    """The rules table's fix column: "safe" (--fix), "unsafe" (--unsafe-fixes) or "-"."""
    return r.autofix.applicability if r.autofix is not None else "-"


def _rule_json(r: Rule) -> dict[str, Any]:
    return {
        "code": r.code,
        "name": r.name,
        "severity": r.severity.value,
        "outcome": r.outcome.value,
        "layer": r.layer,
        "summary": r.summary,
        "why": r.why,
        "fix": r.fix,
        "fix_availability": r.autofix.availability if r.autofix is not None else "none",
        "fix_applicability": r.autofix.applicability if r.autofix is not None else None,
        "sources": list(r.sources),
    }


@main.command("explain")
@click.argument("code", required=False)
@click.option("--all", "show_all", is_flag=True, help="Every rule's page (docs/rules.md is this).")
def explain_command(code: str | None, show_all: bool) -> None:
    """Show a rule's full entry: why it matters, a bad and a good example, the fix."""
    if show_all:
        pages = [explain_text(entry, level=2) for entry in catalogue().values()]
        click.echo("\n\n".join([RULES_TITLE, *pages]))
        return
    if code is None:
        _fail("give a rule code (e.g. BC101) or --all")
    entry = catalogue().get(code.upper())
    if entry is None:
        by_name = {r.name: r for r in catalogue().values()}
        entry = by_name.get(code)
    if entry is None:
        _fail(f"no rule {code!r}; `bedrockcache rules` lists them")
    click.echo(explain_text(entry))


def _abbreviate(value: Any) -> Any:
    """Long prompt texts in examples become a readable stand-in with their length."""
    if isinstance(value, str) and len(value) > 120:
        return f"{value[:60]}... ({len(value):,} characters)"
    if isinstance(value, dict):
        return {k: _abbreviate(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_abbreviate(v) for v in value]
    return value


def _example_text(example: Example) -> str:
    if example.backend == "lint":
        source = example.request
        if isinstance(source, bytes):
            try:
                source = source.decode("utf-8")
            except UnicodeDecodeError:
                return f"# a file holding these bytes: {source!r}"
        return f"# bedrockcache lint on a file holding:\n{source.rstrip()}"
    if example.backend == "lint-files":  # a tree; None stands for a file that cannot be read
        files = [
            f"# {name}: cannot be read ({example.note or 'no permission'})"
            if content is None
            else f"# {name}:\n{content.rstrip()}"
            for name, content in example.request.items()
        ]
        return "# bedrockcache lint on a directory holding:\n" + "\n".join(files)
    body = json.dumps(_abbreviate(example.request), indent=2, default=repr)
    note = f"  # {example.note}" if example.note else ""
    return f"audit(request, backend={example.backend!r}){note}, request =\n{body}"


RULES_TITLE = (
    "<!-- Generated by `bedrockcache explain --all`; a test keeps it in sync. -->\n"
    "# bedrockcache rules"
)


def explain_text(entry: Rule, level: int = 1) -> str:
    """The rule's documentation page, as Markdown with its title at heading ``level``."""
    h1, h2 = "#" * level, "#" * (level + 1)
    parts = [
        f"{h1} {entry.code} {entry.name}",
        "",
        f"{entry.summary}.",
        "",
        f"Severity: {entry.severity.value}. Layer: {entry.layer}. Effect: {entry.outcome.value}.",
        "",
        f"{h2} Why",
        "",
        entry.why,
        "",
        f"{h2} Example",
        "",
        *(f"```python\n{_example_text(e)}\n```" for e in entry.bad),
        "",
        f"{h2} Use instead",
        "",
        *(f"```python\n{_example_text(e)}\n```" for e in entry.good),
        "",
        f"{h2} Fix",
        "",
        entry.fix,
        "",
        entry.autofix.describe() if entry.autofix is not None else "Fix is not available.",
    ]
    if entry.sources:
        parts += ["", f"{h2} Sources", "", *(f"- {s}" for s in entry.sources)]
    return "\n".join(parts)


@main.command("suggest")
@click.argument("file", default="-", metavar="FILE|-")
@_backend_option
@click.option("--model", "model_id", metavar="ID", help="Bedrock model id to plan for.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
)
def suggest_command(
    file: str, backend_name: str | None, model_id: str | None, output_format: str
) -> None:
    """Suggest where the cache breakpoints of one request (JSON file, or - for stdin) should go."""
    from bedrockcache.suggest import suggest_breakpoints, suggestion_dict, suggestion_text

    backend = _backend(backend_name)
    request = _read_request(file)
    try:
        suggestion = suggest_breakpoints(request, model_id, backend=backend)
    except ValueError as exc:  # RequestError included
        _fail(str(exc))
    if output_format == "json":
        click.echo(json.dumps(suggestion_dict(suggestion), indent=2))
    else:
        click.echo(suggestion_text(suggestion))
