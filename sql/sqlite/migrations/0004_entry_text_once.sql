-- 0004_entry_text_once: store an entry's text once, and its token usage.
--
-- entries.content_path: when an entry's item holds its text as one string (a Responses API
-- message's "content", an "output_text" part's "text", a tool's "output"), the text is kept
-- once, in content, and the item is stored with an empty string at that place. content_path
-- is the place, as an SQLite JSON path ('$.content', '$.content[0].text'); NULL: the item (if
-- any) is stored whole. Readers put the text back: threadtree does it for every entry it
-- returns, and the view entry_items below does it for anyone reading the file with SQL.
-- Agent items carry their text in both places, so this saves about a quarter of the file.
-- entries.usage: what producing the entry cost, as a JSON object of numbers (input_tokens,
-- output_tokens...; objects of numbers nest); NULL when not given. Store.usage sums it.

alter table entries add column content_path text
  check (content_path is null or (
    typeof(content_path) = 'text' and substr(content_path, 1, 1) = '$' and item is not null
  ));
alter table entries add column usage text
  check (usage is null or typeof(usage) = 'text');

-- Every entry with its item whole, for reading the file with SQL (json_set puts the text back
-- at content_path; it writes the item's JSON without spaces).
create view entry_items (id, thread_id, parent_entry_id, role, content, item) as
select id, thread_id, parent_entry_id, role, content,
       case when content_path is null then item else json_set(item, content_path, content) end
from entries;
