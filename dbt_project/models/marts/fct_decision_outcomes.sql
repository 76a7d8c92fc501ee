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
)

select
    recommendations.application_id,
    applications.candidate_id,
    applications.person_key,
    applications.requisition_id,
    applications.job_family,
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
    {{ time_to_hire_days('applications.applied_at', 'hires.offer_accepted_at') }} as time_to_hire_days,
    outcomes.employee_id,
    candidates.years_experience,
    candidates.education,
    candidates.international_experience,
    applications.source_channel,
    coalesce(skills.n_skills, 0) as n_skills,
    coalesce(skills.n_soft_skills, 0) as n_soft_skills,
    {% for month in var('milestone_months') %}
    coalesce(outcomes.matured_{{ month }}m, false) as matured_{{ month }}m,
    outcomes.employed_{{ month }}m,
    outcomes.rating_{{ month }}m,
    coalesce(outcomes.outcome_recorded_{{ month }}m, false) as outcome_recorded_{{ month }}m,
    {% endfor %}
    outcomes.hire_success
from {{ ref('stg_ats__ai_recommendations') }} as recommendations
inner join {{ ref('int_applications') }} as applications
    on applications.application_id = recommendations.application_id
left join {{ ref('stg_ats__candidates') }} as candidates
    on candidates.candidate_id = applications.candidate_id
left join {{ ref('stg_ats__recruiter_decisions') }} as decisions
    on decisions.application_id = recommendations.application_id
left join {{ ref('stg_ats__hires') }} as hires
    on hires.application_id = recommendations.application_id
left join skills
    on skills.candidate_id = applications.candidate_id
left join {{ ref('int_hire_outcomes') }} as outcomes
    on outcomes.hire_id = hires.hire_id
