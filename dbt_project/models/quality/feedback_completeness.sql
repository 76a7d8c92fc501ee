{#- Feedback completeness over all AI-supported decisions so far, one row: per milestone, how
    many hires are due for it and the share of those with outcome data. The quality gate warns
    below 90 % at 6 months and 95 % at 12 months (DESIGN.md targets). -#}
select
    {% for month in var('milestone_months') %}
    count(case when matured_{{ month }}m then 1 end) as due_{{ month }}m,
    {{ feedback_completeness(month) }} as feedback_completeness_{{ month }}m
    {%- if not loop.last %},{% endif %}
    {% endfor %}
from {{ ref('fct_decision_outcomes') }}
where hired and ai_supported
