{#- Every `period` start (as a date, named `period_start`) from the period of the earliest
    `date_column` in `relation` to the as-of period, inclusive. dbt.date_spine stops before its
    end, hence the period after the as-of period as its end. -#}
{% macro periods_to_as_of(period, relation, date_column) %}
    {%- set first_period -%}
        (select cast({{ dbt.date_trunc(period, 'min(' ~ date_column ~ ')') }} as date) from {{ relation }})
    {%- endset -%}
    {%- set period_after_as_of -%}
        (select cast({{ dbt.dateadd(period, 1, dbt.date_trunc(period, 'as_of_date')) }} as date) from {{ ref('int_as_of') }})
    {%- endset -%}
    select cast(date_{{ period }} as date) as period_start
    from ({{ dbt.date_spine(period, first_period, period_after_as_of) }}) as spine
{% endmacro %}
