{#- Every AI-supported screening decision with what happened afterwards: the recruiter's
    decision, the hire, and the hire's outcome at each milestone. The training and audit table of
    the feedback loop. -#}
with skills as (
    select
        candidate_id,
        count(*) as n_skills,
        count(case when skill_category = 'soft' then 1 end) as n_soft_skills
    from {{ ref('int_candidate_skills') }}
    group by candidate_id
),

milestones as (
    select
        application_id,
        employee_id,
        {% for month in var('milestone_months') %}
        {{ dbt.bool_or('case when milestone_month = ' ~ month ~ ' then matured end') }} as matured_{{ month }}m,
        {{ dbt.bool_or('case when milestone_month = ' ~ month ~ ' then employed_at_milestone end') }} as employed_{{ month }}m,
        max(case when milestone_month = {{ month }} then rating_at_milestone end) as rating_{{ month }}m,
        {{ dbt.bool_or('case when milestone_month = ' ~ month ~ ' then outcome_recorded end') }} as outcome_recorded_{{ month }}m
        {%- if not loop.last %},{% endif %}
        {% endfor %}
    from {{ ref('int_hire_milestones') }}
    group by application_id, employee_id
)

select
    recommendations.application_id,
    applications.candidate_id,
    candidates.person_key,
    applications.requisition_id,
    requisitions.job_family,
    applications.applied_at,
    recommendations.recommended_at,
    decisions.decided_at,
    recommendations.score as ai_score,
    recommendations.confidence as ai_confidence,
    recommendations.recommendation as ai_recommendation,
    recommendations.routed_to_human,
    recommendations.random_sample,
    decisions.decision as human_decision,
    decisions.overrides_ai,
    decisions.reason_code,
    decisions.decision_id is null as is_open,
    hires.hire_id is not null as hired,
    hires.offer_accepted_at,
    hires.start_date,
    {{ dbt.datediff('applications.applied_at', 'hires.offer_accepted_at', 'day') }} as time_to_hire_days,
    milestones.employee_id,
    candidates.years_experience,
    candidates.education,
    candidates.international_experience,
    candidates.source_channel,
    coalesce(skills.n_skills, 0) as n_skills,
    coalesce(skills.n_soft_skills, 0) as n_soft_skills,
    {% for month in var('milestone_months') %}
    coalesce(milestones.matured_{{ month }}m, false) as matured_{{ month }}m,
    milestones.employed_{{ month }}m,
    milestones.rating_{{ month }}m,
    coalesce(milestones.outcome_recorded_{{ month }}m, false) as outcome_recorded_{{ month }}m,
    {% endfor %}
    case
        when milestones.matured_12m then milestones.employed_12m and milestones.rating_12m >= 3
    end as hire_success
from {{ ref('stg_ats__ai_recommendations') }} as recommendations
inner join {{ ref('stg_ats__applications') }} as applications
    on applications.application_id = recommendations.application_id
left join {{ ref('stg_ats__candidates') }} as candidates
    on candidates.candidate_id = applications.candidate_id
left join {{ ref('stg_ats__requisitions') }} as requisitions
    on requisitions.requisition_id = applications.requisition_id
left join {{ ref('stg_ats__recruiter_decisions') }} as decisions
    on decisions.application_id = recommendations.application_id
left join {{ ref('stg_ats__hires') }} as hires
    on hires.application_id = recommendations.application_id
left join skills
    on skills.candidate_id = applications.candidate_id
left join milestones
    on milestones.application_id = recommendations.application_id
