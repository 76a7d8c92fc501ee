{#- One row per canonical skill of the taxonomy, with how many spellings map to it. -#}
select
    canonical_skill,
    min(category) as skill_category,
    count(*) as spellings
from {{ ref('skill_taxonomy') }}
group by canonical_skill
