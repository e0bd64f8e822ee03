"""Search across what members wrote: posts, comments and (registered from their app) campaigns.

PostgreSQL does the work on PostgreSQL: `websearch_to_tsquery` with the English configuration
parses the query (quotes, `or`, `-word`), the stored, trigger-kept `search_vector` (GIN) finds
and `ts_rank` ranks, `ts_headline` writes the snippets, and only for the rows of the page shown.
SQLite (`make run`) does the same with FTS5: the query is translated to FTS5's syntax with every
word quoted (so no input is FTS5 syntax), bm25() ranks with the same weights, snippet() cuts.

A kind of content joins with `register_searchable` (from its AppConfig.ready(), as campaigns
does: the forum never imports campaigns). Each brings what anyone may find of it (`searchable`):
nothing draft, removed, hidden or deleted, nor anything inside what is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, FloatField, Q, QuerySet, TextField, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Concat, Left
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .search_schema import CONFIG, SQLITE_WEIGHTS, IndexedTable

if TYPE_CHECKING:
    from accounts.models import User

PAGE_SIZE = 20
# Results past this many are not counted or paged: a search that finds more needs narrowing, and
# deep pages of a ranked list cost the database more than anyone reads them.
MAX_RESULTS = 1000
MAX_PAGE = MAX_RESULTS // PAGE_SIZE
QUERY_MAX = 300
# ts_headline reads the text it cuts from: at most this much of a long body.
HEADLINE_SOURCE_MAX = 10_000

# Markers the databases put around matched words; escaped text can't contain them, so they become
# <mark> after escaping.
START, STOP = "\x02", "\x03"


@dataclass(frozen=True)
class Described:
    """What a result shows of an item, apart from the snippet."""

    title: str
    url: str
    when: datetime | None
    section: str
    author: User | None = None
    # For a comment: "Comment on"; the title is then its post's.
    title_prefix: str = ""


@dataclass(frozen=True)
class SearchSource:
    kind: str  # "post": the value of the kind filter
    label: str  # "Posts"
    spec: IndexedTable
    # What anyone may find, already filtered (visible, published...); its model's table unaliased.
    searchable: Callable[[], QuerySet[Any]]
    date_field: str
    section_field: str
    by_author: Callable[[User], Q]
    # The page's items, with what describe() reads (select_related and the like).
    load: Callable[[QuerySet[Any]], QuerySet[Any]]
    describe: Callable[[Any], Described]
    # Columns of spec the snippet is cut from (PostgreSQL joins them; SQLite picks the best).
    snippet_columns: tuple[str, ...] = ("body",)
    # Whether the spec's first column is a title to highlight.
    has_title: bool = True


_SOURCES: dict[str, SearchSource] = {}


def register_searchable(source: SearchSource) -> None:
    _SOURCES[source.kind] = source


def sources() -> list[SearchSource]:
    return list(_SOURCES.values())


def indexed_tables() -> list[IndexedTable]:
    return [source.spec for source in _SOURCES.values()]


# Queries ---------------------------------------------------------------------------------------


class QueryRefused(ValueError):
    """The query can't be searched for; the message says why, to the member."""


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]  # more than one: a phrase
    negated: bool = False


@dataclass(frozen=True)
class ParsedQuery:
    """websearch_to_tsquery's reading of a query: clauses all required, each clause's terms
    alternatives (`or`), and terms to leave out."""

    clauses: tuple[tuple[Term, ...], ...]
    excluded: tuple[Term, ...]

    def fts5(self) -> str:
        """The query in FTS5's syntax, each word quoted so nothing in it is an FTS5 operator."""

        def term(t: Term) -> str:
            return '"' + " ".join(t.words) + '"'

        required = " AND ".join(
            term(c[0]) if len(c) == 1 else "(" + " OR ".join(term(t) for t in c) + ")"
            for c in self.clauses
        )
        excluded = "".join(f" NOT {term(t)}" for t in self.excluded)
        return f"({required}){excluded}" if excluded else required

    def websearch_parts(self) -> tuple[list[str], list[str]]:
        """Each required clause and each left-out term in websearch_to_tsquery's syntax, to be
        parsed one by one and joined with explicit precedence: on its own, PostgreSQL reads
        `a b or c -d` as (a & b) | (c & !d), not as people mean it, a & (b | c) & !d."""

        def term(t: Term) -> str:
            return '"' + " ".join(t.words) + '"'

        required = [" or ".join(term(t) for t in clause) for clause in self.clauses]
        return required, [term(t) for t in self.excluded]


_TOKEN = re.compile(r'(-?)"([^"]*)"?|(-?)([^\s"]+)')
_WORD = re.compile(r"\w+")


def parse_query(text: str) -> ParsedQuery:
    """Read a query as websearch_to_tsquery does. Raises QueryRefused when nothing in it is a
    word to search for."""
    clauses: list[list[Term]] = []
    excluded: list[Term] = []
    joining = False  # the previous token was `or`
    for match in _TOKEN.finditer(text):
        quoted_minus, quoted, bare_minus, bare = match.groups()
        if bare is not None and bare.lower() == "or" and not bare_minus:
            joining = bool(clauses)
            continue
        words = tuple(_WORD.findall(quoted if quoted is not None else bare))
        if not words:
            continue
        negated = bool(quoted_minus or bare_minus)
        if negated:
            excluded.append(Term(words, negated=True))
        elif joining:
            clauses[-1].append(Term(words))
        else:
            clauses.append([Term(words)])
        joining = False
    if not clauses:
        if excluded:
            raise QueryRefused("Add a word to search for, not only words to leave out.")
        raise QueryRefused("Type a word to search for: punctuation alone finds nothing.")
    return ParsedQuery(tuple(tuple(c) for c in clauses), tuple(excluded))


@dataclass(frozen=True)
class Filters:
    kinds: Sequence[str] = ()  # none: every kind
    section_id: int | None = None
    author: User | None = None
    since: date | None = None
    until: date | None = None


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _filtered(source: SearchSource, filters: Filters) -> QuerySet[Any]:
    qs = source.searchable()
    if filters.section_id is not None:
        qs = qs.filter(**{source.section_field: filters.section_id})
    if filters.author is not None:
        qs = qs.filter(source.by_author(filters.author))
    if filters.since is not None:
        qs = qs.filter(**{f"{source.date_field}__gte": _day_start(filters.since)})
    if filters.until is not None:
        qs = qs.filter(**{f"{source.date_field}__lt": _day_start(filters.until + timedelta(1))})
    return qs


# Results ---------------------------------------------------------------------------------------


@dataclass
class Hit:
    kind: str
    pk: int
    rank: float
    when: datetime | None
    described: Described | None = None
    title_html: SafeString = field(default_factory=lambda: SafeString(""))
    snippet_html: SafeString = field(default_factory=lambda: SafeString(""))


@dataclass
class Results:
    hits: list[Hit]
    count: int  # at most MAX_RESULTS + 1: "more than 1,000"
    page: int
    has_next: bool

    @property
    def count_is_capped(self) -> bool:
        return self.count > MAX_RESULTS


_MARKDOWN_NOISE = re.compile(r"[*_`#>|~]{1,}|\[|\]\([^)]*\)|\]")
_SPACE = re.compile(r"\s+")


def marked(text: str, *, markdown: bool = False) -> SafeString:
    """Text from the database with START/STOP around matches, as escaped HTML with <mark>s (an
    unmatched marker typed by a member opens or closes nothing)."""
    if markdown:
        text = _MARKDOWN_NOISE.sub("", text)
    text = _SPACE.sub(" ", text).strip()
    out: list[str] = []
    open_ = False
    for part in re.split(f"([{START}{STOP}])", text):
        if part == START and not open_:
            out.append("<mark>")
            open_ = True
        elif part == STOP and open_:
            out.append("</mark>")
            open_ = False
        elif part not in (START, STOP):
            out.append(escape(part))
    if open_:
        out.append("</mark>")
    return mark_safe("".join(out))  # noqa: S308 - every part escaped above


def search(text: str, filters: Filters, *, sort: str = "relevance", page: int = 1) -> Results:
    """The page of results for a query (already checked by parse_query)."""
    parsed = parse_query(text)
    chosen = [s for s in sources() if not filters.kinds or s.kind in filters.kinds]
    backend = _postgres if connection.vendor == "postgresql" else _sqlite
    matches = [backend.matches(s, text, parsed, _filtered(s, filters)) for s in chosen]
    union = matches[0].union(*matches[1:], all=True) if len(matches) > 1 else matches[0]
    order = ("-rank", "-when") if sort == "relevance" else ("-when", "-rank")
    start = (page - 1) * PAGE_SIZE
    rows = list(union.order_by(*order, "kind", "-ident")[start : start + PAGE_SIZE + 1])
    count = start + len(rows)
    if len(rows) > PAGE_SIZE:
        count = union.order_by()[: MAX_RESULTS + 1].count()
    hits = [Hit(kind, ident, rank, when) for kind, ident, rank, when in rows[:PAGE_SIZE]]
    by_source = {s.kind: s for s in chosen}
    for kind in {hit.kind for hit in hits}:
        mine = [hit for hit in hits if hit.kind == kind]
        backend.describe(by_source[kind], text, parsed, mine)
    # An item deleted between the two queries has nothing to show: left out of the page.
    hits = [hit for hit in hits if hit.described is not None]
    return Results(hits, count, page, has_next=len(rows) > PAGE_SIZE and page < MAX_PAGE)


def _columns(qs: QuerySet[Any], source: SearchSource, rank: Any) -> QuerySet[Any]:
    """Every kind's matches as the same four columns, for the union."""
    columns: QuerySet[Any] = (
        qs.order_by()
        .annotate(
            kind=Value(source.kind),
            ident=F("pk"),
            rank=rank,
            when=F(source.date_field),
        )
        .values_list("kind", "ident", "rank", "when")
    )
    return columns


class _Postgres:
    @staticmethod
    def queries(parsed: ParsedQuery) -> tuple[SearchQuery, SearchQuery]:
        """What must match, and what ranks and highlights: the same without the left-out words
        (ts_rank gives 0 to every match of a query with a negation in it)."""
        required, excluded = parsed.websearch_parts()
        wanted = _all_of(
            SearchQuery(part, search_type="websearch", config=CONFIG) for part in required
        )
        match = wanted
        for part in excluded:
            match = match & ~SearchQuery(part, search_type="websearch", config=CONFIG)
        return match, wanted

    def matches(
        self, source: SearchSource, text: str, parsed: ParsedQuery, qs: QuerySet[Any]
    ) -> QuerySet[Any]:
        query, wanted = self.queries(parsed)
        # Normalisation 1: divided by 1 + the log of the length, so a long text that repeats a
        # word doesn't outrank a short one about it.
        rank = SearchRank(F("search_vector"), wanted, normalization=Value(1))
        return _columns(qs.filter(search_vector=query), source, rank)

    def describe(
        self, source: SearchSource, text: str, parsed: ParsedQuery, hits: list[Hit]
    ) -> None:
        _, query = self.queries(parsed)
        options: dict[str, Any] = {"config": CONFIG, "start_sel": START, "stop_sel": STOP}
        body: Any = source.snippet_columns[0]
        for column in source.snippet_columns[1:]:
            body = _concat(body, column)
        annotations: dict[str, Any] = {
            "search_snippet": SearchHeadline(
                Left(body, HEADLINE_SOURCE_MAX),
                query,
                max_words=30,
                min_words=12,
                max_fragments=2,
                fragment_delimiter=" … ",
                **options,
            )
        }
        if source.has_title:
            title = source.spec.columns[0][0]
            annotations["search_title"] = SearchHeadline(
                title, query, highlight_all=True, **options
            )
        rows = source.load(source.searchable().filter(pk__in=[h.pk for h in hits]))
        found = {obj.pk: obj for obj in rows.annotate(**annotations)}
        for hit in hits:
            if (obj := found.get(hit.pk)) is None:
                continue  # gone since the first query: left out (see search())
            hit.described = source.describe(obj)
            hit.snippet_html = marked(obj.search_snippet, markdown=True)
            hit.title_html = (
                marked(obj.search_title) if source.has_title else escape(hit.described.title)
            )


def _all_of(queries: Iterable[SearchQuery]) -> SearchQuery:
    combined: Any = None
    for query in queries:
        combined = query if combined is None else combined & query
    if combined is None:  # parse_query refuses these first
        raise QueryRefused("Type a word to search for.")
    return combined  # type: ignore[no-any-return]


def _concat(left: Any, right: str) -> Any:
    return Concat(left, Value(" … "), right, output_field=TextField())


class _Sqlite:
    @staticmethod
    def _rank_sql(spec: IndexedTable) -> str:
        weights = ", ".join(str(SQLITE_WEIGHTS[weight]) for _, weight in spec.columns)
        # bm25() is lower for better matches: negated, so that higher is better as on PostgreSQL.
        return (
            f"(SELECT -bm25({spec.fts}, {weights}) FROM {spec.fts} "
            f"WHERE {spec.fts} MATCH %s AND {spec.fts}.rowid = {spec.table}.id)"
        )

    def matches(
        self, source: SearchSource, text: str, parsed: ParsedQuery, qs: QuerySet[Any]
    ) -> QuerySet[Any]:
        spec, fts_query = source.spec, parsed.fts5()
        found = RawSQL(f"SELECT rowid FROM {spec.fts} WHERE {spec.fts} MATCH %s", [fts_query])
        rank = RawSQL(self._rank_sql(spec), [fts_query], output_field=FloatField())
        return _columns(qs.filter(pk__in=found), source, rank)

    def describe(
        self, source: SearchSource, text: str, parsed: ParsedQuery, hits: list[Hit]
    ) -> None:
        spec, pks = source.spec, [h.pk for h in hits]
        names = spec.column_names
        # The snippet from the best-matching of the snippet columns (-1: FTS5 chooses).
        column = names.index(source.snippet_columns[0]) if len(source.snippet_columns) == 1 else -1
        placeholders = ", ".join(["%s"] * len(pks))
        title = f"highlight({spec.fts}, 0, %s, %s)" if source.has_title else "''"
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT rowid, snippet({spec.fts}, {column}, %s, %s, ' … ', 24), {title} "
                f"FROM {spec.fts} WHERE {spec.fts} MATCH %s AND rowid IN ({placeholders})",
                [START, STOP, *([START, STOP] if source.has_title else []), parsed.fts5(), *pks],
            )
            cut = {row[0]: (row[1], row[2]) for row in cursor.fetchall()}
        rows = source.load(source.searchable().filter(pk__in=pks))
        found = {obj.pk: obj for obj in rows}
        for hit in hits:
            if (obj := found.get(hit.pk)) is None:
                continue  # gone since the first query: left out (see search())
            snippet, title_marked = cut.get(hit.pk, ("", ""))
            hit.described = source.describe(obj)
            hit.snippet_html = marked(snippet, markdown=True)
            hit.title_html = (
                marked(title_marked) if source.has_title else escape(hit.described.title)
            )


_postgres = _Postgres()
_sqlite = _Sqlite()


def kinds_choices() -> list[tuple[str, str]]:
    return [(s.kind, s.label) for s in sources()]


# The forum's own kinds ----------------------------------------------------------------------------


def register_forum_sources() -> None:
    from .models import Comment, ContentState, Post
    from .search_schema import COMMENT, POST

    def describe_post(post: Post) -> Described:
        return Described(
            post.title, post.get_absolute_url(), post.published_at, post.section.name, post.author
        )

    def describe_comment(comment: Comment) -> Described:
        post = comment.post
        return Described(
            post.title,
            comment.get_absolute_url(),
            comment.created_at,
            post.section.name,
            comment.author,
            title_prefix="Comment on",
        )

    register_searchable(
        SearchSource(
            kind="post",
            label="Posts",
            spec=POST,
            searchable=lambda: Post.objects.listed(),
            date_field="published_at",
            section_field="section_id",
            by_author=lambda user: Q(author=user),
            load=lambda qs: qs.select_related("author", "section"),
            describe=describe_post,
        )
    )
    register_searchable(
        SearchSource(
            kind="comment",
            label="Comments",
            spec=COMMENT,
            # Comments that stand, in posts that are published and stand.
            searchable=lambda: Comment.objects.filter(
                state=ContentState.VISIBLE,
                post__status=Post.Status.PUBLISHED,
                post__state=ContentState.VISIBLE,
            ),
            date_field="created_at",
            section_field="post__section_id",
            by_author=lambda user: Q(author=user),
            load=lambda qs: qs.select_related("author", "post__section").defer(
                "post__body", "post__body_html", "post__search_vector"
            ),
            describe=describe_comment,
            has_title=False,
        )
    )
