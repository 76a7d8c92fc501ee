{{ config(materialized='incremental', unique_key='timesheet_id') }}

with latest as (
    {{ latest_version(source('raw', 'timetracking_timesheets'), 'timesheet_id', 'updated_at') }}
)

select
    cast(timesheet_id as {{ dbt.type_string() }}) as timesheet_id,
    cast(employee_id as {{ dbt.type_string() }}) as employee_id,
    cast(week_start as date) as week_start,
    cast(hours_worked as {{ type_double() }}) as hours_worked,
    cast(overtime_hours as {{ type_double() }}) as overtime_hours,
    cast(sick_days as {{ type_double() }}) as sick_days,
    cast(vacation_days as {{ type_double() }}) as vacation_days,
    cast(updated_at as {{ dbt.type_timestamp() }}) as updated_at,
    _extract_date,
    _loaded_at
from latest
