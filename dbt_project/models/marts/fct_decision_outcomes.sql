{#- Every application's screening with what happened afterwards: the AI's recommendation (none yet
    while it awaits one), the recruiter's decision, the hire, and the hire's outcome at each milestone,
    beside the features as they were known on the decision date (int_application_features), and the
    label hire_success learns from (the 12-month label, else the 6-month early signal). The
    training and audit table of the feedback loop, and the open applications the pipeline scores. -#}
select
    applications.application_id,
    applications.candidate_id,
    applications.person_key,
    applications.requisition_id,
    features.job_family,
    applications.applied_at,
    recommendations.recommended_at,
    recommendations.recommended_at is not null as ai_supported,
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
    features.years_experience,
    features.education,
    features.grade_average,
    features.international_experience,
    features.source_channel,
    features.n_skills,
    features.n_soft_skills,
    features.soft_skills,
    {% for month in var('milestone_months') %}
    coalesce(outcomes.matured_{{ month }}m, false) as matured_{{ month }}m,
    outcomes.employed_{{ month }}m,
    outcomes.rating_{{ month }}m,
    coalesce(outcomes.outcome_recorded_{{ month }}m, false) as outcome_recorded_{{ month }}m,
    {% endfor %}
    coalesce(outcomes.hire_success_label_mature, false) as hire_success_label_mature,
    outcomes.hire_success,
    outcomes.hire_success_training_label,
    outcomes.hire_success_label_source
from {{ ref('int_applications') }} as applications
left join {{ ref('stg_ats__ai_recommendations') }} as recommendations
    on recommendations.application_id = applications.application_id
left join {{ ref('int_application_features') }} as features
    on features.application_id = applications.application_id
left join {{ ref('stg_ats__recruiter_decisions') }} as decisions
    on decisions.application_id = applications.application_id
left join {{ ref('stg_ats__hires') }} as hires
    on hires.application_id = applications.application_id
left join {{ ref('int_hire_outcomes') }} as outcomes
    on outcomes.hire_id = hires.hire_id
