-- 0008_reserved: a placeholder that keeps the numbering without gaps on the branch of issue 21
-- (workflow runs, 0009). Issue 18's migration takes number 0008; when both branches are
-- merged, this file is deleted and theirs takes its place. It changes nothing: a file migrated
-- through it is at version 8 with the schema of version 7.
select 1;
