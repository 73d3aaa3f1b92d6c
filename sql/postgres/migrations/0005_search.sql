-- 0005_search: full-text search (Store.search) on PostgreSQL, as SQLite's 0008 gave it FTS5.
--
-- The words of each entry sit in a tsvector column computed by the server from the content
-- (a stored generated column: written in the same statement as the row, by every code path,
-- so it can never lag behind an insert, an import that rewrites a text, or a delete), with a
-- GIN index over it. Why a column and not only an expression index on the content: GIN keeps
-- no word positions, so a phrase, and the rank of every hit, would have to parse each
-- candidate's text again; over 100,000 entries a phrase of common words took 7 s that way
-- and 0.2 s reading the column. The column holds lexemes and positions, never the text.
-- Adding it rewrites the entries table once (under a lock), which takes a while on a big one.
--
-- How text becomes words, close to SQLite's tokenizer (unicode61, remove_diacritics 2):
--   * the 'simple' configuration: lower case, no stemming, no stop words;
--   * accents off without the unaccent extension (contrib, not on every server, and one per
--     database while threadtree lives in a schema): the text, when it holds anything but
--     ASCII, is decomposed (NFD) and its combining marks U+0300-U+036F dropped, so 'Café'
--     and 'cafe' are one word. Unlike SQLite, this also takes the marks off Greek and
--     Cyrillic letters (SQLite folds Latin ones only): a search for 'ελα' finds 'έλα';
--   * the words are the ones PostgreSQL's parser sees, which keeps some tokens whole that
--     SQLite splits: host names and URLs ('example.com' is one word), e-mail addresses,
--     file paths, numbers with a point ('3.14'); hyphenated words are both ('e-mail', 'e'
--     and 'mail'). The README lists these differences.
-- A non-UTF8 database (no normalize()) folds no accents; ASCII text skips the work.
-- PostgreSQL's limits, which SQLite's FTS5 does not have: a tsvector holds at most 1 MB of
-- distinct words (more is an error, which would refuse the entry), so of a longer text only
-- the first 700,000 bytes are read, a margin for lower case taking more bytes than upper in
-- a few scripts (the first 175,000 characters when 700,000 are more bytes); a word of more
-- than 2,047 bytes is left out; positions stop at 16,383, so past that many words a phrase
-- is no longer found (its words still are).
-- threadtree_search_query folds each phrase the same way: keep the two bodies in step. Each
-- body calls only pg_catalog, by design: a function called from a generated column must not
-- depend on the search_path of whoever writes the row.

create function threadtree_search_words(content text) returns tsvector
language sql immutable strict parallel safe
as $$
  select pg_catalog.to_tsvector(
    'pg_catalog.simple'::pg_catalog.regconfig,
    case
      when pg_catalog.octet_length(folded) <= 700000 then folded
      when pg_catalog.octet_length(pg_catalog.left(folded, 700000)) <= 700000 then pg_catalog.left(folded, 700000)
      else pg_catalog.left(folded, 175000)
    end
  )
  from (
    select case
      when pg_catalog.octet_length(content) = pg_catalog.char_length(content)
        or pg_catalog.getdatabaseencoding() <> 'UTF8' then content
      else pg_catalog.regexp_replace(pg_catalog.normalize(content, 'NFD'), '[\u0300-\u036f]+', '', 'g')
    end as folded
  ) as f
$$;

-- The query of a search: the phrases (a JSON array of strings, each a word or a phrase as
-- the user typed it), each made a phrase query by phraseto_tsquery, which reads its text as
-- plain words (no operator of the tsquery syntax means anything there: quotes, '&', '|',
-- '!', ':*', '<->' are separators), ANDed. A phrase of no words gives an empty query, which
-- && drops: it falls out of the AND, as on SQLite; with nothing left, nothing matches.
create function threadtree_search_query(phrases jsonb) returns tsquery
language plpgsql immutable strict parallel safe
as $$
declare
  wanted tsquery := '';
  phrase text;
begin
  for phrase in select pg_catalog.jsonb_array_elements_text(phrases) loop
    wanted := wanted && pg_catalog.phraseto_tsquery(
      'pg_catalog.simple'::pg_catalog.regconfig,
      case
        when pg_catalog.octet_length(phrase) = pg_catalog.char_length(phrase)
          or pg_catalog.getdatabaseencoding() <> 'UTF8' then phrase
        else pg_catalog.regexp_replace(pg_catalog.normalize(phrase, 'NFD'), '[\u0300-\u036f]+', '', 'g')
      end
    );
  end loop;
  return wanted;
end $$;

alter table entries add column search_words tsvector
  generated always as (threadtree_search_words(content)) stored;

create index entries_search on entries using gin (search_words);
