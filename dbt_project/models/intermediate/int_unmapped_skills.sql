{#- Every skill spelling, in any system, that the taxonomy seed does not know yet, with where it was
    met and how often: the list to extend `seeds/skill_taxonomy.csv` from. -#}
with requisition_mentions as (
    select
        requisition_id,
        {{ unnest_list('required_skills') }} as written
    from {{ ref('stg_ats__requisitions') }}
    where required_skills is not null
),

mentions as (
    select 'ats_candidates' as source_system, skill_mention
    from {{ ref('int_candidate_skills') }}
    where not is_mapped
    union all
    select 'hris_employee_skills' as source_system, skill_mention
    from {{ ref('int_employee_skills') }}
    where not is_mapped
    union all
    select 'ats_requisitions' as source_system, lower(trim(written)) as skill_mention
    from requisition_mentions
    where lower(trim(written)) not in (select alias from {{ ref('skill_taxonomy') }})
)

select
    skill_mention,
    source_system,
    count(*) as mentions
from mentions
where skill_mention <> ''
group by skill_mention, source_system
