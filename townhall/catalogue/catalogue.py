"""The Catalogue (``workspace.catalogue``): register source files, tag their fields, profile their quality.

Registration is all-or-nothing. The file is copied into the workspace under a temporary name; it is read, typed and
profiled in a private in-memory DuckDB (so the workspace's store is locked only for the final write); then the
source table, its catalogue metadata and its failing rows are written in one transaction of the analytics store,
and the copy is renamed into place just before that transaction commits. Any error rolls the transaction back and
removes the copy, so an earlier version stays exactly as it was.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from townhall.catalogue.inference import ColumnPlan, plan_columns
from townhall.catalogue.models import FailingRow, FieldProfile, SourceDetail, SourceSummary
from townhall.catalogue.quality import (
    MAX_FAILING_ROWS_KEPT,
    TYPE_RULES,
    StoredField,
    apply_rule,
    bad_text_failures,
    build_profile,
    checked_rule_label,
    measure_columns,
    personal_field_warnings,
    quality_score,
    source_problems,
    with_postcode_format,
)
from townhall.catalogue.readers import StagedFile, check_readable, file_format_of, stage_file
from townhall.catalogue.tagging import check_tags, is_personal, is_special_category, mask_failing_value
from townhall.catalogue.validation import install_sql_macros
from townhall.errors import TownhallError
from townhall.store import quote_identifier

if TYPE_CHECKING:
    from townhall.workspace import Workspace

SOURCE_SCHEMA = "sources"
CATALOGUE_SCHEMA = "catalogue"
_SOURCE_NAME = re.compile(r"[a-z][a-z0-9_]{0,62}")
_COPY_CHUNK = 1 << 20

_DDL = (
    f"CREATE SCHEMA IF NOT EXISTS {SOURCE_SCHEMA}",
    f"CREATE SCHEMA IF NOT EXISTS {CATALOGUE_SCHEMA}",
    """CREATE TABLE IF NOT EXISTS catalogue.sources (
        name VARCHAR NOT NULL, version INTEGER NOT NULL, owner VARCHAR, description VARCHAR,
        file_name VARCHAR NOT NULL, stored_file VARCHAR NOT NULL, file_format VARCHAR NOT NULL, encoding VARCHAR,
        delimiter VARCHAR, sheet VARCHAR, row_count BIGINT NOT NULL, field_count INTEGER NOT NULL,
        registered_at VARCHAR NOT NULL, registered_by VARCHAR NOT NULL, sha256 VARCHAR NOT NULL,
        notes VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS catalogue.source_versions (
        name VARCHAR NOT NULL, version INTEGER NOT NULL, file_name VARCHAR NOT NULL, stored_file VARCHAR NOT NULL,
        sha256 VARCHAR NOT NULL, row_count BIGINT NOT NULL, field_count INTEGER NOT NULL,
        registered_at VARCHAR NOT NULL, registered_by VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS catalogue.fields (
        source VARCHAR NOT NULL, position INTEGER NOT NULL, name VARCHAR NOT NULL, data_type VARCHAR NOT NULL,
        sql_type VARCHAR NOT NULL, tags VARCHAR NOT NULL, suggested_tags VARCHAR NOT NULL,
        tags_confirmed BOOLEAN NOT NULL, row_count BIGINT NOT NULL, filled BIGINT NOT NULL,
        type_failures BIGINT NOT NULL, rule_failures BIGINT NOT NULL, checked_rule VARCHAR,
        distinct_values BIGINT NOT NULL, common_values VARCHAR NOT NULL, failing_examples INTEGER NOT NULL,
        facts VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS catalogue.failing_rows (
        source VARCHAR NOT NULL, field VARCHAR NOT NULL, row_number BIGINT NOT NULL, value VARCHAR,
        reason VARCHAR NOT NULL, kind VARCHAR NOT NULL)""",
)
_SOURCE_COLUMNS = ("name, version, owner, description, file_name, stored_file, file_format, encoding, delimiter, "
                   "sheet, row_count, field_count, registered_at, registered_by, sha256, notes")
_FIELD_COLUMNS = ("source, position, name, data_type, sql_type, tags, suggested_tags, tags_confirmed, row_count, "
                  "filled, type_failures, rule_failures, checked_rule, distinct_values, common_values, "
                  "failing_examples, facts")

Progress = Callable[[str, float], None]


def suggest_source_name(text: str) -> str:
    """A valid source name made from any text: 'Council Tax 2024.csv' → 'council_tax_2024_csv'."""
    slug = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    if not slug:
        return "my_source"
    if not slug[0].isalpha():
        slug = f"source_{slug}"
    return slug[:63]


def check_source_name(name: str) -> None:
    """Source names are lower snake_case (they become table names): refuse anything else with a suggestion."""
    if not _SOURCE_NAME.fullmatch(name or ""):
        raise TownhallError(
            f"'{name}' cannot be a source name: use lower-case letters, digits and underscores, starting with a "
            f"letter (at most 63 characters), for example '{suggest_source_name(name or '')}'."
        )


def _copy_with_hash(source: Path, target: Path) -> str:
    """Copy a file and return the SHA-256 of its bytes, in one pass."""
    digest = hashlib.sha256()
    with source.open("rb") as reading, target.open("wb") as writing:
        while chunk := reading.read(_COPY_CHUNK):
            digest.update(chunk)
            writing.write(chunk)
        writing.flush()
        os.fsync(writing.fileno())
    return digest.hexdigest()


def _remove_read_only(path: Path) -> None:
    """Delete a (possibly read-only) file if it exists."""
    with contextlib.suppress(FileNotFoundError):
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)
        path.unlink()


def _no_progress(_step: str, _fraction: float) -> None:
    """Progress sink used when the caller does not want reports."""


class Catalogue:
    """The workspace's sources: register files, tag their fields, read their quality profiles."""

    def __init__(self, workspace: Workspace) -> None:
        self._workspace = workspace

    # --- registering ------------------------------------------------------------------------------------------------

    def add_source(self, file: Path, name: str, *, owner: str | None = None, sheet: str | None = None,
                   description: str | None = None, actor: str = "system", replace: bool = False,
                   progress: Progress | None = None) -> SourceDetail:
        """Register a CSV, Excel or Parquet file as source ``name``: copy it, type it, tag it, profile it.

        With ``replace`` an existing source gets a new version (the old file copy is kept; tags a person confirmed
        carry over to fields of the same name); without it, an existing name is refused.
        """
        report = progress or _no_progress
        check_source_name(name)
        file = Path(file)
        display_name = str(file)
        existing = self._source_row(name)
        if existing and not replace:
            raise TownhallError(
                f"A source called '{name}' is already registered (version {existing['version']}, from "
                f"{existing['file_name']}). Register the new file as a new version with --replace, or choose "
                "another name."
            )
        check_readable(file, display_name)
        file_format = file_format_of(file, display_name)
        version = self._last_version(name) + 1
        folder = self._workspace.path / SOURCE_SCHEMA / name
        folder_existed = folder.exists()
        final = folder / f"v{version}-{file.name}"
        temporary_copy: Path | None = None
        try:
            folder.mkdir(parents=True, exist_ok=True)
            # A file already at the final name belongs to no registered version (versions come from the catalogue):
            # a leftover from an interrupted run, safe to clear so that a failure below can always remove the copy.
            _remove_read_only(final)
            # The temporary copy keeps the file's extension: openpyxl refuses names that do not end in .xlsx.
            handle, temporary_name = tempfile.mkstemp(prefix=f".v{version}-", suffix=f".partial{file.suffix}",
                                                      dir=folder)
            os.close(handle)
            temporary_copy = Path(temporary_name)
            report("copying the file", 0.02)
            sha256 = _copy_with_hash(file, temporary_copy)
            known_tags = self._confirmed_tags(name) if existing else {}
            with tempfile.TemporaryDirectory(prefix=".townhall-", dir=self._workspace.path) as scratch, \
                    contextlib.closing(duckdb.connect()) as memory:
                memory.execute(f"SET temp_directory = '{scratch.replace(chr(39), chr(39) * 2)}'")
                # DuckDB's own progress bar would print over the command line's.
                memory.execute("SET enable_progress_bar = false")
                install_sql_macros(memory)
                report("reading the file", 0.05)
                staged = stage_file(memory, temporary_copy, display_name, file_format=file_format, sheet=sheet,
                                    temporary_folder=Path(scratch))
                report("working out field types and tags", 0.3)
                plans = plan_columns(memory, staged, display_name, known_tags=known_tags)
                report("converting values", 0.45)
                fields, failing = self._profile(memory, name, staged, plans, known_tags, report)
                report("saving to the workspace", 0.85)
                with self._workspace.analytics.transaction() as warehouse:
                    warehouse.execute("SET enable_progress_bar = false")
                    for statement in _DDL:
                        warehouse.execute(statement)
                    latest = warehouse.execute("SELECT max(version) FROM catalogue.source_versions WHERE name = ?",
                                               [name]).fetchall()[0][0]
                    if latest != (version - 1 or None):
                        raise TownhallError(f"Source '{name}' was registered by someone else while this file was "
                                            "being read. Check 'townhall sources list' and try again.")
                    table = self._qualified(name)
                    if existing:
                        warehouse.execute(f"DROP TABLE IF EXISTS {table}")
                        for metadata in ("sources", "fields", "failing_rows"):
                            column = "name" if metadata == "sources" else "source"
                            warehouse.execute(f"DELETE FROM catalogue.{metadata} WHERE {column} = ?", [name])
                    # typed was built in row order and DuckDB keeps insertion order, so no second sort is needed here.
                    rows_reader = memory.sql("SELECT * FROM typed").to_arrow_reader(100_000)
                    warehouse.register("incoming_rows", rows_reader)
                    warehouse.execute(f"CREATE TABLE {table} AS SELECT * FROM incoming_rows")
                    warehouse.unregister("incoming_rows")
                    self._write_metadata(warehouse, name=name, version=version, owner=owner,
                                         description=description, file=file, final=final, staged=staged,
                                         actor=actor, sha256=sha256, fields=fields, failing=failing)
                    os.replace(temporary_copy, final)
                    final.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        except BaseException:
            if temporary_copy is not None:
                temporary_copy.unlink(missing_ok=True)
            _remove_read_only(final)
            if not folder_existed:
                shutil.rmtree(folder, ignore_errors=True)
            raise
        self._workspace.audit.record(actor, "source.registered", name, details={
            "version": version, "rows": staged.rows, "fields": len(fields), "sha256": sha256,
            "file_format": staged.file_format, "replaced": bool(existing),
        })
        report("done", 1.0)
        return self.get_source(name)

    def _profile(self, memory: duckdb.DuckDBPyConnection, name: str, staged: StagedFile, plans: list[ColumnPlan],
                 known_tags: dict[str, list[str]], report: Progress) -> tuple[list[StoredField], list[list[Any]]]:
        """Build the typed table ``typed`` and every field's figures and failing rows (from staging and typed)."""
        selected = ", ".join(f"{plan.conversion} AS {quote_identifier(plan.name)}" for plan in plans)
        memory.execute(f"CREATE TEMP TABLE typed AS SELECT _row_number, {selected} FROM staging "
                       "ORDER BY _row_number")
        stored_counts = memory.execute(
            f"SELECT {', '.join(f'count({quote_identifier(plan.name)})' for plan in plans)} FROM typed"
        ).fetchone() or ()
        failing: list[list[Any]] = []
        type_failures: dict[int, int] = {}
        type_examples: dict[int, int] = {}
        for plan, stored_count in zip(plans, stored_counts, strict=True):
            failures = plan.filled - int(stored_count)
            type_failures[plan.index] = failures
            if failures and plan.data_type in TYPE_RULES:
                reason = TYPE_RULES[plan.data_type].reason
                examples = memory.execute(
                    f"SELECT _row_number, {plan.staging_column} FROM staging WHERE {plan.staging_column} IS NOT NULL "
                    f"AND ({plan.conversion}) IS NULL ORDER BY _row_number LIMIT {MAX_FAILING_ROWS_KEPT}"
                ).fetchall()
                failing += [[name, plan.name, int(row), value, reason, "type"] for row, value in examples]
                type_examples[plan.index] = len(examples)
        failing += bad_text_failures(memory, name, staged.bad_text, plans)
        memory.execute("DROP TABLE staging")
        report("checking quality", 0.6)
        measured = measure_columns(memory, "typed", [(plan.name, plan.data_type) for plan in plans])
        fields: list[StoredField] = []
        for plan, figures in zip(plans, measured, strict=True):
            confirmed = known_tags.get(plan.name.lower())
            tags = confirmed if confirmed is not None else plan.suggested_tags
            rule = apply_rule(memory, "typed", plan.name, plan.data_type, tags,
                              limit=MAX_FAILING_ROWS_KEPT - type_examples.get(plan.index, 0), facts=plan.facts)
            failing += [[name, plan.name, row, value, reason, "rule"] for row, value, reason in rule.examples]
            facts = dict(plan.facts)
            facts.update({key: value for key, value in figures.items() if key not in {"distinct", "common_values"}})
            fields.append(StoredField(
                source=name, position=plan.index + 1, name=plan.name, data_type=plan.data_type,
                sql_type=plan.sql_type, tags=tags, suggested_tags=plan.suggested_tags,
                tags_confirmed=confirmed is not None, rows=staged.rows, filled=plan.filled,
                type_failures=type_failures[plan.index], rule_failures=rule.failures, checked_rule=rule.label,
                distinct=int(figures["distinct"]),  # type: ignore[call-overload]
                common_values=list(figures["common_values"]),  # type: ignore[call-overload]
                failing_examples=type_examples.get(plan.index, 0) + len(rule.examples), facts=facts,
            ))
        return fields, failing

    def _write_metadata(self, warehouse: duckdb.DuckDBPyConnection, *, name: str, version: int, owner: str | None,
                        description: str | None, file: Path, final: Path, staged: StagedFile, actor: str,
                        sha256: str, fields: list[StoredField], failing: list[list[Any]]) -> None:
        """Insert the source, version, field and failing-row records (inside the caller's transaction)."""
        registered_at = datetime.now(UTC).isoformat(timespec="seconds")
        stored_file = str(final.relative_to(self._workspace.path))
        notes = list(staged.notes)
        if staged.blank_rows_skipped:
            blank = staged.blank_rows_skipped
            notes.append(f"{blank:,} blank row{' was' if blank == 1 else 's were'} skipped")
        if staged.empty_unnamed_columns_dropped:
            dropped = staged.empty_unnamed_columns_dropped
            notes.append(f"{dropped} empty column{' with no name was' if dropped == 1 else 's with no name were'} "
                         "left out")
        warehouse.execute(
            f"INSERT INTO catalogue.sources ({_SOURCE_COLUMNS}) VALUES ({', '.join('?' * 16)})",
            [name, version, owner, description, file.name, stored_file, staged.file_format, staged.encoding,
             staged.delimiter, staged.sheet, staged.rows, len(fields), registered_at, actor, sha256,
             json.dumps(notes)],
        )
        warehouse.execute(
            "INSERT INTO catalogue.source_versions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [name, version, file.name, stored_file, sha256, staged.rows, len(fields), registered_at, actor],
        )
        for stored in fields:
            warehouse.execute(
                f"INSERT INTO catalogue.fields ({_FIELD_COLUMNS}) VALUES ({', '.join('?' * 17)})",
                [name, stored.position, stored.name, stored.data_type, stored.sql_type, json.dumps(stored.tags),
                 json.dumps(stored.suggested_tags), stored.tags_confirmed, stored.rows, stored.filled,
                 stored.type_failures, stored.rule_failures, stored.checked_rule, stored.distinct,
                 json.dumps(stored.common_values), stored.failing_examples, json.dumps(stored.facts, default=str)],
            )
        self._insert_failing_rows(warehouse, failing)

    @staticmethod
    def _insert_failing_rows(warehouse: duckdb.DuckDBPyConnection, failing: list[list[Any]]) -> None:
        if not failing:
            return
        import pyarrow as pa  # imported here, so the command line starts without it

        columns = list(zip(*failing, strict=True))
        batch = pa.table({
            "source": pa.array(columns[0], pa.string()), "field": pa.array(columns[1], pa.string()),
            "row_number": pa.array(columns[2], pa.int64()), "value": pa.array(columns[3], pa.string()),
            "reason": pa.array(columns[4], pa.string()), "kind": pa.array(columns[5], pa.string()),
        })
        warehouse.register("incoming_failures", batch)
        warehouse.execute("INSERT INTO catalogue.failing_rows SELECT * FROM incoming_failures")
        warehouse.unregister("incoming_failures")

    # --- reading ----------------------------------------------------------------------------------------------------

    def list_sources(self) -> list[SourceSummary]:
        """Every registered source, by name."""
        with self._reading() as connection:
            if connection is None:
                return []
            sources = self._fetch_dicts(connection, f"SELECT {_SOURCE_COLUMNS} FROM catalogue.sources ORDER BY name")
            fields = self._fetch_dicts(connection, f"SELECT {_FIELD_COLUMNS} FROM catalogue.fields "
                                                   "ORDER BY source, position")
        by_source: dict[str, list[StoredField]] = {}
        for row in fields:
            by_source.setdefault(row["source"], []).append(_stored_field(row))
        return [_summary(row, [build_profile(stored) for stored in by_source.get(row["name"], [])])
                for row in sources]

    def get_source(self, name: str) -> SourceDetail:
        """One source with its field profiles and problems; raises TownhallError naming the known sources."""
        with self._reading() as connection:
            row = None
            if connection is not None:
                found = self._fetch_dicts(connection, f"SELECT {_SOURCE_COLUMNS} FROM catalogue.sources "
                                                      "WHERE name = ?", [name])
                row = found[0] if found else None
            if row is None:
                raise self._unknown_source(connection, name)
            fields = [_stored_field(field_row) for field_row in self._fetch_dicts(
                connection, f"SELECT {_FIELD_COLUMNS} FROM catalogue.fields WHERE source = ? ORDER BY position",
                [name])]
        profiles = [build_profile(stored) for stored in fields]
        summary = _summary(row, profiles)
        return SourceDetail(**vars(summary), field_profiles=profiles,
                            problems=source_problems(fields, int(row["row_count"]), json.loads(row["notes"])),
                            warnings=personal_field_warnings(fields, int(row["row_count"])))

    def table_name(self, source: str) -> str:
        """The fully qualified, quoted DuckDB table holding the source's rows, e.g. sources."council_tax"."""
        with self._reading() as connection:
            found = connection is not None and connection.execute(
                "SELECT count(*) FROM catalogue.sources WHERE name = ?", [source]).fetchone()[0]  # type: ignore[index]
            if not found:
                raise self._unknown_source(connection, source)
        return self._qualified(source)

    def failing_rows(self, source: str, field: str, limit: int = 20) -> list[FailingRow]:
        """Rows whose value fails the field's check, in file order; values are masked when the field is personal."""
        with self._reading() as connection:
            stored = self._field(connection, source, field)
            rows = connection.execute(  # type: ignore[union-attr]
                "SELECT row_number, value, reason FROM catalogue.failing_rows WHERE source = ? AND field = ? "
                "ORDER BY row_number LIMIT ?", [source, stored.name, max(int(limit), 0)],
            ).fetchall()
        return [FailingRow(row_number=int(row_number), field=stored.name,
                           value=mask_failing_value(value or "", stored.tags), reason=reason)
                for row_number, value, reason in rows]

    # --- tagging ----------------------------------------------------------------------------------------------------

    def set_field_tags(self, source: str, field: str, tags: list[str], *, actor: str) -> None:
        """Set a field's tags (marking them confirmed) and re-check its values against the rule the tags call for."""
        cleaned = check_tags(tags)
        with self._workspace.analytics.transaction() as connection:
            connection.execute("SET enable_progress_bar = false")
            install_sql_macros(connection)
            stored = self._field(connection, source, field)
            kept_type_examples = connection.execute(
                "SELECT count(*) FROM catalogue.failing_rows WHERE source = ? AND field = ? AND kind = 'type'",
                [source, stored.name],
            ).fetchone()[0]  # type: ignore[index]
            facts = with_postcode_format(connection, self._qualified(source), stored.name, cleaned, stored.facts)
            result = apply_rule(connection, self._qualified(source), stored.name, stored.data_type, cleaned,
                                limit=MAX_FAILING_ROWS_KEPT - int(kept_type_examples), facts=facts)
            connection.execute(
                "UPDATE catalogue.fields SET tags = ?, tags_confirmed = true, checked_rule = ?, rule_failures = ?, "
                "failing_examples = ?, facts = ? WHERE source = ? AND name = ?",
                [json.dumps(cleaned), checked_rule_label(stored.data_type, cleaned, facts), result.failures,
                 int(kept_type_examples) + len(result.examples), json.dumps(facts, default=str), source, stored.name],
            )
            connection.execute("DELETE FROM catalogue.failing_rows WHERE source = ? AND field = ? AND kind = 'rule'",
                               [source, stored.name])
            self._insert_failing_rows(connection, [[source, stored.name, row, value, reason, "rule"]
                                                   for row, value, reason in result.examples])
        self._workspace.audit.record(actor, "source.tags_changed", source, details={
            "field": stored.name, "tags": cleaned, "previous_tags": stored.tags,
        })

    def confirm_tags(self, source: str, *, actor: str) -> None:
        """Accept every field's current tags (the suggestions, unless edited) as confirmed by ``actor``."""
        with self._workspace.analytics.transaction() as connection:
            if not self._has_catalogue(connection) or not connection.execute(
                    "SELECT count(*) FROM catalogue.sources WHERE name = ?", [source]).fetchone()[0]:  # type: ignore
                raise self._unknown_source(connection, source)
            unconfirmed = connection.execute(
                "SELECT count(*) FROM catalogue.fields WHERE source = ? AND NOT tags_confirmed", [source]
            ).fetchone()[0]  # type: ignore[index]
            connection.execute("UPDATE catalogue.fields SET tags_confirmed = true WHERE source = ?", [source])
        self._workspace.audit.record(actor, "source.tags_changed", source, details={
            "confirmed_all": True, "fields_newly_confirmed": int(unconfirmed),
        })

    # --- helpers ----------------------------------------------------------------------------------------------------

    @staticmethod
    def _qualified(name: str) -> str:
        return f"{SOURCE_SCHEMA}.{quote_identifier(name)}"

    @contextlib.contextmanager
    def _reading(self):  # type: ignore[no-untyped-def]
        """A read-only connection, or None when nothing has been registered yet (no catalogue tables)."""
        store = self._workspace.analytics
        if not store.database_file.exists():
            yield None
            return
        with store.connect(read_only=True) as connection:
            yield connection if self._has_catalogue(connection) else None

    @staticmethod
    def _has_catalogue(connection: duckdb.DuckDBPyConnection) -> bool:
        found = connection.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'catalogue' AND table_name = 'sources'"
        ).fetchone()
        return bool(found and found[0])

    @staticmethod
    def _fetch_dicts(connection: duckdb.DuckDBPyConnection, query: str,
                     parameters: list[Any] | None = None) -> list[dict[str, Any]]:
        cursor = connection.execute(query, parameters or [])
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def _source_row(self, name: str) -> dict[str, Any] | None:
        with self._reading() as connection:
            if connection is None:
                return None
            found = self._fetch_dicts(connection, f"SELECT {_SOURCE_COLUMNS} FROM catalogue.sources WHERE name = ?",
                                      [name])
        return found[0] if found else None

    def _last_version(self, name: str) -> int:
        with self._reading() as connection:
            if connection is None:
                return 0
            found = connection.execute("SELECT max(version) FROM catalogue.source_versions WHERE name = ?",
                                       [name]).fetchone()
        return int(found[0]) if found and found[0] is not None else 0

    def _confirmed_tags(self, name: str) -> dict[str, list[str]]:
        """Tags a person confirmed on the current version, by lower-case field name, to carry to the next one."""
        with self._reading() as connection:
            if connection is None:
                return {}
            rows = connection.execute(
                "SELECT name, tags FROM catalogue.fields WHERE source = ? AND tags_confirmed", [name]
            ).fetchall()
        return {field_name.lower(): json.loads(tags) for field_name, tags in rows}

    def _field(self, connection: duckdb.DuckDBPyConnection | None, source: str, field: str) -> StoredField:
        """One stored field by name (exact, else ignoring capitals), with errors that list what exists."""
        if connection is None or not self._has_catalogue(connection) or not connection.execute(
                "SELECT count(*) FROM catalogue.sources WHERE name = ?", [source]).fetchone()[0]:  # type: ignore
            raise self._unknown_source(connection, source)
        rows = self._fetch_dicts(connection, f"SELECT {_FIELD_COLUMNS} FROM catalogue.fields WHERE source = ? "
                                             "ORDER BY position", [source])
        for match in (lambda row: row["name"] == field, lambda row: row["name"].lower() == field.lower()):
            for row in rows:
                if match(row):
                    return _stored_field(row)
        names = ", ".join(f"'{row['name']}'" for row in rows)
        raise TownhallError(f"Source '{source}' has no field called '{field}'. Its fields are: {names}.")

    def _unknown_source(self, connection: duckdb.DuckDBPyConnection | None, name: str) -> TownhallError:
        known: list[str] = []
        if connection is not None and self._has_catalogue(connection):
            known = [row[0] for row in connection.execute("SELECT name FROM catalogue.sources ORDER BY name")
                     .fetchall()]
        if not known:
            return TownhallError(f"There is no source called '{name}': no sources are registered yet. Register one "
                                 "with 'townhall sources add FILE --name NAME'.")
        return TownhallError(f"There is no source called '{name}'. Known sources: {', '.join(known)}.")


def _stored_field(row: dict[str, Any]) -> StoredField:
    return StoredField(
        source=row["source"], position=int(row["position"]), name=row["name"], data_type=row["data_type"],
        sql_type=row["sql_type"], tags=json.loads(row["tags"]), suggested_tags=json.loads(row["suggested_tags"]),
        tags_confirmed=bool(row["tags_confirmed"]), rows=int(row["row_count"]), filled=int(row["filled"]),
        type_failures=int(row["type_failures"]), rule_failures=int(row["rule_failures"]),
        checked_rule=row["checked_rule"], distinct=int(row["distinct_values"]),
        common_values=[(str(value), int(count)) for value, count in json.loads(row["common_values"])],
        failing_examples=int(row["failing_examples"]), facts=json.loads(row["facts"]),
    )


def _summary(row: dict[str, Any], profiles: list[FieldProfile]) -> SourceSummary:
    return SourceSummary(
        name=row["name"], owner=row["owner"], description=row["description"], file_name=row["file_name"],
        file_format=row["file_format"], encoding=row["encoding"], delimiter=row["delimiter"], sheet=row["sheet"],
        rows=int(row["row_count"]), fields=int(row["field_count"]),
        personal_fields=sum(1 for profile in profiles if is_personal(profile.tags)),
        special_category_fields=sum(1 for profile in profiles if is_special_category(profile.tags)),
        registered_at=row["registered_at"], registered_by=row["registered_by"], version=int(row["version"]),
        sha256=row["sha256"], tags_confirmed=bool(profiles) and all(profile.tags_confirmed for profile in profiles),
        quality_score=quality_score(profiles),
    )
