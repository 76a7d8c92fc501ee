{#- Feedback completeness at a milestone (DESIGN.md KPI): among AI-supported decisions whose
    hire has reached the milestone, the share with outcome data for it. Over rows of
    fct_decision_outcomes; rows not yet due count in neither numerator nor denominator. -#}
{% macro feedback_completeness(month) -%}
avg(case when outcome_recorded_{{ month }}m then 1.0 when matured_{{ month }}m then 0.0 end)
{%- endmacro %}
