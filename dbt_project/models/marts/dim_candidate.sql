{#- One row per candidate: the profile the screening sees (no names, e-mail or protected attributes),
    and the employee the candidate became, if any. -#}
with hired as (
    select candidate_id, min(employee_id) as employee_id
    from {{ ref('int_hire_identity') }}
    where is_matched
    group by candidate_id
)

select
    candidates.candidate_id,
    candidates.person_key,
    candidates.years_experience,
    candidates.education,
    candidates.international_experience,
    candidates.source_channel,
    hired.employee_id,
    hired.employee_id is not null as became_employee
from {{ ref('stg_ats__candidates') }} as candidates
left join hired
    on hired.candidate_id = candidates.candidate_id
