{#- One row per hire: the accepted offer, the start, what the hire cost, the employee it became
    (identity from int_hire_identity) and how it turned out at each milestone (int_hire_outcomes).
    A hire the ATS recorded twice stays twice, under both hire ids, for the quality gate to see. -#}
select
    identity.hire_id,
    identity.application_id,
    identity.candidate_id,
    applications.requisition_id,
    applications.job_family,
    applications.source_channel,
    applications.applied_at,
    hires.offer_accepted_at,
    identity.start_date,
    {{ time_to_hire_days('applications.applied_at', 'hires.offer_accepted_at') }} as time_to_hire_days,
    costs.cost_per_hire_eur as cost_of_hire,
    identity.employee_id,
    case
        when identity.is_matched then true
        -- the HRIS creates the record on the first working day: before it, or before the HRIS has
        -- sent an extract since (a lagging feed), none is due yet
        when identity.start_date <= as_of.hris_as_of_date then false
    end as matched_to_employee,
    terminations.termination_date,
    terminations.termination_type,
    {% for month in var('milestone_months') %}
    outcomes.matured_{{ month }}m,
    outcomes.employed_{{ month }}m,
    outcomes.rating_{{ month }}m,
    outcomes.outcome_recorded_{{ month }}m,
    {% endfor %}
    outcomes.hm_satisfaction_6m,
    outcomes.hire_success
from {{ ref('int_hire_identity') }} as identity
inner join {{ ref('stg_ats__hires') }} as hires
    on hires.hire_id = identity.hire_id
cross join {{ ref('int_as_of') }} as as_of
left join {{ ref('int_applications') }} as applications
    on applications.application_id = identity.application_id
left join {{ ref('channel_costs') }} as costs
    on costs.source_channel = applications.source_channel
left join {{ ref('stg_hris__terminations') }} as terminations
    on terminations.employee_id = identity.employee_id
left join {{ ref('int_hire_outcomes') }} as outcomes
    on outcomes.hire_id = identity.hire_id
