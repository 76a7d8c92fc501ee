{#- Rule: the employee-month panel has every month of an employment exactly once, from the hire
    month on (when the HRIS has it), so that "two rows back" is "two months back" for the
    overtime trend. -#}
with employments as (
    select
        employee_id,
        min(month_start) as first_month,
        max(month_start) as last_month,
        min(hire_date) as hire_date,
        count(*) as months
    from {{ ref('int_employee_months') }}
    group by employee_id
)

select *
from employments
where first_month <> cast({{ dbt.date_trunc('month', 'hire_date') }} as date)
    or months <> {{ dbt.datediff('first_month', 'last_month', 'month') }} + 1
