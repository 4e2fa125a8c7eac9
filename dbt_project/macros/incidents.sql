{#- What the marts count of a group of int_incidents rows, the same everywhere: EST reports (and those by guards)
    with their severity, police crimes with their harm. Sources are never added together here. -#}
{% macro incident_measures() -%}
        count(*) filter (where source = 'est_reports') as n_est_reports,
        count(*) filter (where source = 'est_reports' and is_guard_generated) as n_est_guard_reports,
        sum(weight) filter (where source = 'est_reports') as est_severity_sum,
        count(*) filter (where source = 'police_crimes') as n_police_crimes,
        sum(weight) filter (where source = 'police_crimes') as harm_sum
{%- endmacro %}

{#- JSON object {category_code: value} of one source, keys in order, from rows of (source, category_code, value). -#}
{% macro category_map(source, value='n') -%}
    to_json(map_from_entries(list((category_code, {{ value }}) order by category_code)
        filter (where source = '{{ source }}')))
{%- endmacro %}

{#- The latest population figure at or before the year of each spine row's period (published with a lag). -#}
{% macro population_as_of(spine, population, key, period_start) -%}
    select
        {{ spine }}.area_id,
        {{ spine }}.{{ key }},
        arg_max({{ population }}.population, {{ population }}.year) as population
    from {{ spine }}
    left join {{ population }}
        on {{ population }}.area_id = {{ spine }}.area_id
        and {{ population }}.year <= year({{ spine }}.{{ period_start }})
    group by {{ spine }}.area_id, {{ spine }}.{{ key }}
{%- endmacro %}
