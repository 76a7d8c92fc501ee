{#- One row per application: the funnel as it happened (when the application first entered each
    stage), where it stands now, whether and how fast it became a hire, and what it cost. -#}
with stages as (
    select
        application_id,
        {% for stage in var('application_stages') if stage != 'applied' %}
        min(case when stage = '{{ stage }}' then entered_at end) as {{ stage }}_at
        {%- if not loop.last %},{% endif %}
        {% endfor %}
    from {{ ref('int_application_stage_history') }}
    group by application_id
),

hires as (
    -- one row per application, also when the ATS recorded its hire twice
    select
        application_id,
        min(offer_accepted_at) as offer_accepted_at
    from {{ ref('stg_ats__hires') }}
    group by application_id
)

select
    applications.application_id,
    applications.candidate_id,
    applications.requisition_id,
    applications.job_family,
    applications.source_channel,
    applications.applied_at,
    {% for stage in var('application_stages') if stage != 'applied' %}
    stages.{{ stage }}_at,
    {% endfor %}
    applications.current_stage,
    hires.application_id is not null as is_hired,
    hires.offer_accepted_at,
    {{ time_to_hire_days('applications.applied_at', 'hires.offer_accepted_at') }} as time_to_hire_days,
    costs.cost_per_application_eur as sourcing_cost,
    case when hires.application_id is not null then costs.cost_per_hire_eur end as cost_of_hire
from {{ ref('int_applications') }} as applications
left join stages
    on stages.application_id = applications.application_id
left join hires
    on hires.application_id = applications.application_id
left join {{ ref('channel_costs') }} as costs
    on costs.source_channel = applications.source_channel
