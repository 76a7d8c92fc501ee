{{ config(meta={'dagster': {'ref': {'name': 'int_hire_milestones'}}}) }}
{#- Rule: a hire's milestone flags follow from its dates. A milestone has matured iff its date is on
    or before the HRIS as-of date; once matured and matched, the person was employed at it iff not
    terminated on or before the milestone date; unmatured or unmatched milestones have no
    employment, rating, satisfaction or recorded outcome. -#}
with milestones as (
    select
        milestones.*,
        as_of.hris_as_of_date,
        terminations.termination_date
    from {{ ref('int_hire_milestones') }} as milestones
    cross join {{ ref('int_as_of') }} as as_of
    left join {{ ref('stg_hris__terminations') }} as terminations
        on terminations.employee_id = milestones.employee_id
)

select hire_id, milestone_month, milestone_date, hris_as_of_date, termination_date, matured,
    employed_at_milestone, rating_at_milestone, satisfaction_at_milestone, outcome_recorded
from milestones
where matured <> coalesce(milestone_date <= hris_as_of_date, false)
    or (matured and employee_id is not null and (
        employed_at_milestone is null
        or employed_at_milestone = coalesce(termination_date <= milestone_date, false)
    ))
    or ((not matured or employee_id is null) and (
        employed_at_milestone is not null or rating_at_milestone is not null
        or satisfaction_at_milestone is not null or outcome_recorded
    ))
